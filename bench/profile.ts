// Summarizes a V8 .cpuprofile (written by node --cpu-prof): self time per
// function and per package, optionally only for samples inside a window of
// CLOCK_MONOTONIC microseconds (the clock V8 stamps profiles with; probe.mjs
// marks the load window on the same clock).
import { readFileSync } from "node:fs";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  where: string;
  selfMs: number;
  /** Share of the busy (non-idle) samples. */
  selfPct: number;
}

export interface CallerRow {
  /** The hot function, as in topFunctions. */
  name: string;
  where: string;
  /** Its heaviest call path (nearest caller first, up to 4 frames) and that path's share of the function's self time. */
  path: string[];
  pathPct: number;
}

export interface ProfileSummary {
  file: string;
  windowed: boolean;
  /** The window, CLOCK_MONOTONIC µs (the profile's own clock). */
  windowUs: [number, number];
  windowMs: number;
  busyMs: number;
  idleMs: number;
  /** Busy time as a fraction of one core over the window. */
  busyFraction: number;
  topFunctions: ProfileRow[];
  byPackage: ProfileRow[];
  /** Who calls the hottest named functions. */
  callers: CallerRow[];
  /** Busy time by CATEGORIES, every sample counted once (see categoryOf). */
  byCategory: Array<{ category: Category; selfMs: number }>;
}

/** Who a sample's time is spent for, in the order tables show them. */
export const CATEGORIES = [
  "agent-runs (src/, gen/)",
  "RPC stack (connect-es, protobuf-es)",
  "LangGraph.js + LangChain + LangSmith",
  "logging + metrics (pino, prom-client)",
  "Node.js core on its own (sockets, HTTP/2, timers)",
  "garbage collector",
  "other",
] as const;
export type Category = (typeof CATEGORIES)[number];

function packageCategory(pkg: string): Category | null {
  if (pkg.startsWith("src") || pkg.startsWith("gen")) return "agent-runs (src/, gen/)";
  if (pkg.startsWith("@connectrpc/") || pkg.startsWith("@bufbuild/")) return "RPC stack (connect-es, protobuf-es)";
  if (pkg.startsWith("@langchain/") || pkg === "langsmith") return "LangGraph.js + LangChain + LangSmith";
  if (pkg === "pino" || pkg === "sonic-boom" || pkg === "prom-client" || pkg.startsWith("pino-")) return "logging + metrics (pino, prom-client)";
  return null;
}

/**
 * A sample's category. Time in Node.js internals or V8 builtins is charged to
 * the nearest package frame above it (LangSmith's UUIDs, connect's abort
 * signals, LangChain's async-local storage); only what runs with no package
 * frame above it (socket callbacks, HTTP/2 sessions, timers) stays Node's.
 */
function categoryOf(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): Category {
  const frame = byId.get(id)!.callFrame;
  if (frame.functionName === "(garbage collector)") return "garbage collector";
  let sawPackage = false;
  for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
    const f = byId.get(cur)!.callFrame;
    const pkg = packageOf(f);
    if (pkg === "node core" || pkg === "(native / V8 builtins)" || pkg === "(program)" || f.functionName === "(root)") continue;
    sawPackage = true;
    const category = packageCategory(pkg);
    if (category) return category;
    break;
  }
  return sawPackage ? "other" : "Node.js core on its own (sockets, HTTP/2, timers)";
}

const ROOT = new URL("..", import.meta.url).pathname;

/** A short location: the project file, the package path, or the node builtin. */
export function shortUrl(url: string): string {
  if (!url) return "";
  let path = url.startsWith("file://") ? decodeURIComponent(new URL(url).pathname) : url;
  const nm = path.lastIndexOf("/node_modules/");
  if (nm >= 0) return path.slice(nm + "/node_modules/".length);
  if (path.startsWith(ROOT)) path = path.slice(ROOT.length);
  return path;
}

/** The package (or project folder) a frame belongs to. */
export function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) {
    if (functionName === "(garbage collector)" || functionName === "(program)" || functionName === "(idle)") return functionName;
    return "(native / V8 builtins)";
  }
  const short = shortUrl(url);
  if (short.startsWith("node:")) return "node core";
  if (url.includes("/node_modules/")) {
    const parts = short.split("/");
    return parts[0]!.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const parts = short.split("/");
  if (parts[0] === "src" || parts[0] === "gen") return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0]!;
  return short;
}

export function summarizeProfile(file: string, windowUs?: [number, number], top = 25): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const child of node.children ?? []) parent.set(child, node.id);
  }
  let windowed = false;
  let lo = profile.startTime;
  let hi = profile.endTime;
  if (windowUs && windowUs[0] >= profile.startTime && windowUs[1] <= profile.endTime && windowUs[1] > windowUs[0]) {
    [lo, hi] = windowUs;
    windowed = true;
  }
  const selfUs = new Map<number, number>();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    if (t < lo || t > hi) continue;
    // A sample's time is the delta to the next sample.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i]!;
    selfUs.set(id, (selfUs.get(id) ?? 0) + dt);
  }
  const fnUs = new Map<string, { name: string; where: string; us: number }>();
  const pkgUs = new Map<string, number>();
  const categoryUs = new Map<Category, number>();
  let idleUs = 0;
  let busyUs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === "(idle)") {
      idleUs += us;
      continue;
    }
    busyUs += us;
    const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : "";
    const name = frame.functionName || "(anonymous)";
    const key = `${name}@${where}`;
    const entry = fnUs.get(key) ?? { name, where, us: 0 };
    entry.us += us;
    fnUs.set(key, entry);
    const pkg = packageOf(frame);
    pkgUs.set(pkg, (pkgUs.get(pkg) ?? 0) + us);
    const category = categoryOf(id, byId, parent);
    categoryUs.set(category, (categoryUs.get(category) ?? 0) + us);
  }
  const rows = (entries: Array<{ name: string; where: string; us: number }>): ProfileRow[] =>
    entries
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, selfPct: busyUs ? (100 * e.us) / busyUs : 0 }));
  const windowMs = (hi - lo) / 1000;
  const topFunctions = rows([...fnUs.values()]);
  // Heaviest call path of each hot named function.
  const frameLabel = (f: CallFrame) => `${f.functionName || "(anonymous)"} ${shortUrl(f.url)}:${f.lineNumber + 1}`.trim();
  const callers: CallerRow[] = [];
  for (const hot of topFunctions) {
    if (hot.name.startsWith("(") || hot.name === "runMicrotasks" || callers.length >= 8) continue;
    const paths = new Map<string, number>();
    let total = 0;
    for (const [id, us] of selfUs) {
      const frame = byId.get(id)!.callFrame;
      const where = frame.url ? `${shortUrl(frame.url)}:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : "";
      if ((frame.functionName || "(anonymous)") !== hot.name || where !== hot.where) continue;
      total += us;
      const path: string[] = [];
      for (let cur = parent.get(id); cur !== undefined && path.length < 4; cur = parent.get(cur)) {
        const f = byId.get(cur)!.callFrame;
        if (f.functionName === "(root)") break;
        path.push(frameLabel(f));
      }
      const key = path.join("\n");
      paths.set(key, (paths.get(key) ?? 0) + us);
    }
    const best = [...paths].sort((a, b) => b[1] - a[1])[0];
    if (best && total > 0) callers.push({ name: hot.name, where: hot.where, path: best[0] ? best[0].split("\n") : [], pathPct: (100 * best[1]) / total });
  }
  return {
    file,
    windowed,
    windowUs: [lo, hi],
    windowMs,
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    busyFraction: windowMs ? busyUs / 1000 / windowMs : 0,
    topFunctions,
    byPackage: rows([...pkgUs].map(([name, us]) => ({ name, where: "", us }))),
    callers,
    byCategory: CATEGORIES.map((category) => ({ category, selfMs: (categoryUs.get(category) ?? 0) / 1000 })),
  };
}

// CLI: tsx bench/profile.ts FILE.cpuprofile [startUs endUs]
if (process.argv[1] && new URL(import.meta.url).pathname === process.argv[1]) {
  const [file, a, b] = process.argv.slice(2);
  if (!file) {
    process.stderr.write("usage: tsx bench/profile.ts FILE.cpuprofile [startUs endUs]\n");
    process.exit(2);
  }
  const summary = summarizeProfile(file, a && b ? [Number(a), Number(b)] : undefined);
  process.stdout.write(JSON.stringify(summary, null, 2) + "\n");
}
