// The benchmark: agent-runs against the LangGraph servers (JS and Python) and
// against its ceilings, in one run. Writes RESULTS.md, results.json and SVG
// figures (see bench/README.md).
//
//   npx tsx bench/run.ts            full run (~10-15 min), writes into bench/
//   npx tsx bench/run.ts --quick    smoke check (< 1 min, no anchors), writes into bench/.out/quick/
//
// Options: --quick, --skip-anchors, --reps N, --out DIR, --only a,b (sections:
// wait, echo, invoke, stream, events, list, profile, mongo, idle, finished,
// anchors; partial runs write into bench/.out/partial/ unless --out is given).
import { fork, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  fmt,
  threadCpuMs,
  fmtRatio,
  median,
  PROTOCOL_LABEL,
  PROTOCOLS,
  ratio,
  SERVICE_NODE_FLAGS,
  sleep,
  statFields,
  type IdleOpenResult,
  type LoopResult,
  type Protocol,
  type SeedResult,
  type StreamEventsResult,
  type StreamTarget,
  type StreamTimingResult,
  type Task,
  type TaskResult,
} from "./lib.js";
import { CATEGORIES, summarizeProfile, type Category, type ProfileSummary } from "./profile.js";
import { barChart, lineChart } from "./svg.js";

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const SCRATCH = join(BENCH, ".out");
const STARTED = Date.now();

const { values: argv } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "skip-anchors": { type: "boolean", default: false },
    reps: { type: "string" },
    out: { type: "string" },
    only: { type: "string" },
  },
  strict: true,
});
const QUICK = argv.quick ?? false;
const ONLY = argv.only ? new Set(argv.only.split(",").map((x) => x.trim())) : null;
const OUT = resolve(argv.out ?? (ONLY ? join(SCRATCH, "partial") : QUICK ? join(SCRATCH, "quick") : BENCH));
const SKIP_ANCHORS = QUICK || (argv["skip-anchors"] ?? false) || (ONLY !== null && !ONLY.has("anchors"));
const want = (key: string): boolean => ONLY === null || ONLY.has(key);
const REPS = argv.reps ? Math.max(1, Number(argv.reps)) : QUICK ? 1 : 3;
const CONCURRENCY = [1, 16, 64];

/** Every size and duration of the run, by mode. */
const S = QUICK
  ? {
      wait: { warmupMs: 300, durationMs: 1000 },
      echo: { warmupMs: 200, durationMs: 700, concurrency: [16] },
      invoke: { warmupMs: 200, durationMs: 1000, concurrency: [16] },
      streamTiming: { reps: 20, warmup: 3 },
      burst: 10_000,
      paced: { count: 200, intervalMs: 1 },
      profile: null as null | { durationMs: number },
      idle: [100, 500],
      finished: { total: 2_000, chunk: 1_000, budgetMs: 20_000 },
      mongo: { wait: { warmupMs: 300, durationMs: 1000 }, events: 2_000, seed: [1_000, 3_000], seedChunk: 1_000, listReps: 20 },
      anchors: null as null | { warmupMs: number; durationMs: Record<number, number>; streamReps: number },
    }
  : {
      wait: { warmupMs: 1000, durationMs: 2500 },
      echo: { warmupMs: 500, durationMs: 1000, concurrency: CONCURRENCY },
      invoke: { warmupMs: 500, durationMs: 3000, concurrency: CONCURRENCY },
      streamTiming: { reps: 50, warmup: 5 },
      burst: 10_000,
      paced: { count: 1_000, intervalMs: 1 },
      profile: { durationMs: 6000 },
      idle: [1_000, 10_000],
      finished: { total: 100_000, chunk: 10_000, budgetMs: 300_000 },
      mongo: { wait: { warmupMs: 1000, durationMs: 2000 }, events: 10_000, seed: [10_000, 100_000], seedChunk: 10_000, listReps: 100 },
      anchors: { warmupMs: 1000, durationMs: { 1: 5000, 16: 4000, 64: 4000 } as Record<number, number>, streamReps: 6 },
    };

/**
 * How long a fresh process runs WaitRun (or invoke) at 16 clients before anything is measured: on
 * this machine a fresh agent-runs server ramps from ~170 to ~550 runs/s over its first ~6 s while
 * V8 optimizes LangGraph's and the service's hot paths; measuring sooner measured the JIT.
 */
const JIT_WARMUP_MS = QUICK ? 300 : 7000;

function log(text: string): void {
  const t = ((Date.now() - STARTED) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[${t}s] ${text}\n`);
}

// ---------------------------------------------------------------------------------------------
// Processes: every child is tracked by pid and ended on exit (only those this run started).

const children = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // spawned detached: its own process group
  } catch {
    try {
      child.kill(signal);
    } catch {
      // gone
    }
  }
}

function cleanup(): void {
  for (const child of children) killGroup(child, "SIGKILL");
}
process.on("exit", cleanup);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once("exit", () => r()));
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  killGroup(child, "SIGTERM");
  const timedOut = await Promise.race([exited(child).then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    killGroup(child, "SIGKILL");
    await exited(child);
  }
  children.delete(child);
}

/** CPU seconds (user + system) of every process in a process group. */
function groupCpuSeconds(pgid: number): number {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    // fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
    if (!fields || Number(fields[2]) !== pgid) continue;
    total += (Number(fields[11]) + Number(fields[12])) / ticks;
  }
  return total;
}

const OWN_PGID = Number(statFields("self")?.[2] ?? NaN);

/**
 * CPU seconds the whole machine spent busy, and the part that was this bench's: every live
 * process in this process's group or in the group of a child it spawned, with the time of its
 * reaped children (so a server that exits mid-way keeps counting).
 */
function cpuAccount(): { busy: number; ours: number } {
  const ticks = 100;
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal. Interrupt time (loopback packets are
  // processed in softirq) is charged to no process, so it is left out of both sides.
  const busy = ((line[0] ?? 0) + (line[1] ?? 0) + (line[2] ?? 0) + (line[7] ?? 0)) / ticks;
  const groups = new Set<number>([OWN_PGID]);
  for (const child of children) if (child.pid !== undefined) groups.add(child.pid);
  let ours = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (!f || !groups.has(Number(f[2]))) continue;
    ours += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / ticks;
  }
  return { busy, ours };
}

function statusKb(pid: number, key: string): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text);
  return match ? Number(match[1]) : NaN;
}

interface ProbeReading {
  seq: number;
  atUs: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
}

/** A server process: agent-runs (src/main.ts) or the echo server, with the probe preloaded. */
class Server {
  private probeSeq = 0;
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly url: string,
    readonly probeFile: string,
    /** The echo server's second, plain node:http2 listener. */
    readonly plainH2Url: string | null = null,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  cpuSeconds(): number {
    return groupCpuSeconds(this.pid);
  }

  rssKb(): number {
    return statusKb(this.pid, "VmRSS");
  }

  /** Signals the probe; "gc" collects garbage first. Resolves with its reading. */
  async probe(command: "gc" | "mark"): Promise<ProbeReading> {
    writeFileSync(`${this.probeFile}.cmd`, command);
    const want = ++this.probeSeq;
    process.kill(this.pid, "SIGUSR2");
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const reading = JSON.parse(readFileSync(this.probeFile, "utf8")) as ProbeReading;
        if (reading.seq >= want) return reading;
      } catch {
        // not written yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name}: probe did not answer`);
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    rmSync(this.probeFile, { force: true });
    rmSync(`${this.probeFile}.cmd`, { force: true });
  }
}

let serverCount = 0;

async function startNodeServer(name: string, script: string, args: string[], nodeFlags: string[] = []): Promise<Server> {
  mkdirSync(SCRATCH, { recursive: true });
  const id = `${++serverCount}-${name}`;
  const probeFile = join(SCRATCH, `probe-${process.pid}-${id}.json`);
  rmSync(probeFile, { force: true });
  const child = spawn(process.execPath, ["--expose-gc", ...SERVICE_NODE_FLAGS, ...nodeFlags, "--import", "tsx", "--import", join(BENCH, "probe.mjs"), script, ...args], {
    cwd: ROOT,
    env: { ...process.env, BENCH_PROBE_FILE: probeFile, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.add(child);
  let output = "";
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no URL within 60 s\n${output.slice(-2000)}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = /listening on (http:\/\/[^"\s]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name}: exited (${signal ?? code}) before listening\n${output.slice(-2000)}`));
    });
  });
  // Keep draining its output; keep the tail for error reports.
  child.stdout!.removeAllListeners("data");
  child.stdout!.on("data", (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-8000)));
  const plain = /plain-h2 (http:\/\/[^"\s]+)/.exec(output);
  return new Server(name, child, url, probeFile, plain ? plain[1]! : null);
}

function startAgentRuns(name: string, extra: string[] = [], nodeFlags: string[] = []): Promise<Server> {
  return startNodeServer(
    name,
    "src/main.ts",
    ["--port", "0", "--graphs", "bench/langgraph.json", "--drain-ms", "200", "--read-max-bytes", String(64 * 1024 * 1024), ...extra],
    nodeFlags,
  );
}

/** The load generator process. */
class Worker {
  private pending: { resolve: (r: TaskResult) => void; reject: (e: Error) => void } | null = null;
  private constructor(private readonly child: ChildProcess) {}

  static async start(nodeFlags: string[] = []): Promise<Worker> {
    const child = fork(join(BENCH, "load.ts"), [], { cwd: ROOT, execArgv: [...SERVICE_NODE_FLAGS, ...nodeFlags, "--import", "tsx"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    children.add(child);
    await new Promise<void>((resolveReady, reject) => {
      child.once("message", () => resolveReady());
      child.once("exit", (code) => reject(new Error(`load worker exited (${code})`)));
    });
    const worker = new Worker(child);
    child.on("message", (msg: { ok: boolean; result?: TaskResult; error?: string }) => {
      const pending = worker.pending;
      worker.pending = null;
      if (!pending) return;
      if (msg.ok && msg.result) pending.resolve(msg.result);
      else pending.reject(new Error(msg.error ?? "load worker failed"));
    });
    child.on("exit", (code) => {
      worker.pending?.reject(new Error(`load worker exited (${code})`));
      worker.pending = null;
    });
    return worker;
  }

  run<T extends TaskResult>(task: Task, timeoutMs = 10 * 60_000): Promise<T> {
    if (this.pending) throw new Error("load worker is busy");
    return new Promise<T>((resolveTask, reject) => {
      const timer = setTimeout(() => {
        this.pending = null;
        reject(new Error(`task ${task.kind} timed out after ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.pending = {
        resolve: (r) => {
          clearTimeout(timer);
          resolveTask(r as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.child.send(task);
    });
  }

  /** Lets it exit on its own first (a --cpu-prof profile is written at exit), then ends it. */
  async stop(): Promise<void> {
    this.child.disconnect();
    await Promise.race([exited(this.child), sleep(10_000)]);
    await stopChild(this.child, 5000);
  }
}

// ---------------------------------------------------------------------------------------------
// Results

interface Cell {
  reps: Array<LoopResult & { serverCpu: number | null }>;
  median: { throughput: number; p50: number; p99: number; serverCpu: number | null; clientCpu: number; errors: number; firstError: string | null };
}

/** CPU ms per request from a cell's cores and throughput. */
function cpuMsPer(cores: number | null | undefined, throughput: number | null | undefined): number | null {
  if (cores === null || cores === undefined || !throughput) return null;
  return (cores / throughput) * 1000;
}

function runCostRows(): string[][] {
  const rows: string[][] = [];
  for (const protocol of PROTOCOLS) {
    for (const c of CONCURRENCY) {
      const ar = waitCell(`agent-runs ${protocol}`, c)?.median;
      const echo = R.echoUnary[protocol]?.[String(c)]?.median;
      const inv = R.invoke[String(c)]?.median;
      if (!ar || !echo || !inv) continue;
      const a = cpuMsPer(ar.serverCpu, ar.throughput);
      const e = cpuMsPer(echo.serverCpu, echo.throughput);
      const i = cpuMsPer(inv.clientCpu, inv.throughput);
      const added = a !== null && e !== null && i !== null ? a - e - i : null;
      const best = e !== null && i !== null ? i / (e + i) : null;
      rows.push([`${PROTOCOL_LABEL[protocol]} x${c}`, fmt(a, 3), fmt(e, 3), fmt(i, 3), fmt(added, 3), fmtRatio(best), fmtRatio(ratio(ar.throughput, inv.throughput))]);
    }
  }
  return rows;
}

function cellOf(reps: Array<LoopResult & { serverCpu: number | null }>): Cell {
  const cpus = reps.map((r) => r.serverCpu).filter((v): v is number => v !== null);
  return {
    reps,
    median: {
      throughput: median(reps.map((r) => r.throughput)),
      p50: median(reps.map((r) => r.latency.p50)),
      p99: median(reps.map((r) => r.latency.p99)),
      serverCpu: cpus.length ? median(cpus) : null,
      clientCpu: median(reps.map((r) => r.clientCpu)),
      errors: reps.reduce((n, r) => n + r.errors, 0),
      firstError: reps.find((r) => r.firstError)?.firstError ?? null,
    },
  };
}

interface TimingCell {
  reps: StreamTimingResult[];
  median: { ttfeP50: number; ttfeP99: number; tteP50: number; tteP99: number; errors: number; firstError: string | null };
}

function timingOf(reps: StreamTimingResult[]): TimingCell {
  return {
    reps,
    median: {
      ttfeP50: median(reps.map((r) => r.ttfe.p50)),
      ttfeP99: median(reps.map((r) => r.ttfe.p99)),
      tteP50: median(reps.map((r) => r.tte.p50)),
      tteP99: median(reps.map((r) => r.tte.p99)),
      errors: reps.reduce((n, r) => n + r.errors, 0),
      firstError: reps.find((r) => r.firstError)?.firstError ?? null,
    },
  };
}

interface EventsCell {
  reps: StreamEventsResult[];
  median: {
    count: number;
    ttfeMs: number;
    tteMs: number;
    eventsPerSec: number;
    p50: number;
    p99: number;
    p999: number;
    max: number;
    endLagMs: number;
    closeLagMs: number;
    emitSpanMs: number;
    received: number;
  };
}

function eventsOf(reps: StreamEventsResult[]): EventsCell {
  return {
    reps: reps.map((r) => ({ ...r })),
    median: {
      count: reps[0]?.count ?? 0,
      received: Math.min(...reps.map((r) => r.received)),
      ttfeMs: median(reps.map((r) => r.ttfeMs)),
      tteMs: median(reps.map((r) => r.tteMs)),
      eventsPerSec: median(reps.map((r) => r.eventsPerSec)),
      p50: median(reps.map((r) => r.latency.p50)),
      p99: median(reps.map((r) => r.latency.p99)),
      p999: median(reps.map((r) => r.latency.p999)),
      max: median(reps.map((r) => r.latency.max)),
      endLagMs: median(reps.map((r) => r.endLagMs)),
      closeLagMs: median(reps.map((r) => r.closeLagMs)),
      emitSpanMs: median(reps.map((r) => r.emitSpanMs)),
    },
  };
}

interface AnchorInfo {
  status: "measured" | "skipped" | "failed";
  version: string | null;
  error: string | null;
  notes: string[];
}

/** StreamRun bursts in each profiled streaming window. */
const PROFILED_BURSTS = 3;

/** WaitRun and StreamRun bursts on agent-runs, next to their ceilings under the same load. */
interface ProfiledCeilings {
  wait: ProfiledLoop;
  echo: ProfiledLoop;
  invoke: ProfiledLoop;
  stream: ProfiledLoop;
  echoStream: ProfiledLoop;
}

/** A profile windowed on one measured loop, and how many requests (or events) completed in it. */
interface ProfiledLoop {
  summary: ProfileSummary;
  completed: number;
  /** The profiled main thread's CPU time in the window (/proc), ms: what the profile's wall-clock samples are scaled to. */
  mainThreadCpuMs: number | null;
}

const R = {
  meta: {} as Record<string, unknown>,
  /** series -> concurrency -> cell; series: "agent-runs grpc" etc., "js-anchor", "py-anchor". */
  wait: {} as Record<string, Record<string, Cell>>,
  echoUnary: {} as Record<string, Record<string, Cell>>,
  invoke: {} as Record<string, Cell>,
  streamTiming: {} as Record<string, TimingCell>,
  streamEvents: {} as Record<string, EventsCell>,
  profile: null as ProfileSummary | null,
  /** The same profiled server during StreamRun bursts of custom events. */
  profileStream: null as ProfileSummary | null,
  /** Profiles of the two ceilings under the same load shape, to split what one run costs by who spends it. */
  profileCeilings: null as null | ProfiledCeilings,
  memory: {
    /** Bare idle streams on the echo server (no run behind them): the transport's share. */
    idleEcho: [] as Array<{ streams: number; rssKb: number; heapUsed: number; external: number; openMs: number; failed: number; perStreamKb: number | null; perStreamHeapKb: number | null }>,
    idle: [] as Array<{ streams: number; rssKb: number; heapUsed: number; external: number; openMs: number; failed: number; perStreamKb: number | null; perStreamHeapKb: number | null }>,
    finished: [] as Array<{ runs: number; rssKb: number; heapUsed: number; elapsedMs: number; throughput: number }>,
    finishedStopped: null as string | null,
  },
  mongo: {
    status: "skipped" as "measured" | "skipped" | "failed",
    error: null as string | null,
    wait: {} as Record<string, Record<string, Cell>>,
    events: {} as Record<string, EventsCell>,
    /** store -> thread size -> how the thread was filled (runs of seedChunk messages each). */
    seed: {} as Record<string, Record<string, { runs: number; messages: number; elapsedMs: number; last: SeedResult }>>,
    list: {} as Record<string, Record<string, { lastPage: TimingCell; middlePage: TimingCell }>>,
  },
  anchors: {
    js: { status: "skipped", version: null, error: null, notes: [] } as AnchorInfo,
    py: { status: "skipped", version: null, error: null, notes: [] } as AnchorInfo,
  },
  errors: [] as Array<{ section: string; error: string }>,
  /** Per section: how busy the machine was, and how much of that was not this bench (other processes). */
  load: [] as Array<{ section: string; wallSec: number; machineCores: number; benchCores: number; otherCores: number }>,
};

/** Other processes using more than this many cores during a section make its numbers suspect. */
const OTHER_LOAD_WARN = 0.15;

const quietStats = { checks: 0, waitedMs: 0, gaveUp: 0 };

/**
 * Waits until other processes leave the machine alone (under OTHER_LOAD_WARN cores over a
 * 400 ms sample), at most `maxMs`; this machine may be shared with a test suite.
 */
async function quiet(maxMs = 90_000): Promise<void> {
  if (QUICK) return; // a smoke check does not wait
  quietStats.checks++;
  const start = Date.now();
  let announced = false;
  for (;;) {
    const a0 = cpuAccount();
    await sleep(400);
    const a1 = cpuAccount();
    const other = (a1.busy - a0.busy - (a1.ours - a0.ours)) / 0.4;
    if (other < OTHER_LOAD_WARN) break;
    if (Date.now() - start >= maxMs) {
      if (maxMs > 0) {
        quietStats.gaveUp++;
        log(`   (other processes still busy after ${fmt(maxMs / 1000)} s: measuring anyway)`);
      }
      break;
    }
    if (!announced) {
      log(`   (waiting for other processes to go quiet: ${fmt(other, 2)} cores busy)`);
      announced = true;
    }
  }
  quietStats.waitedMs += Date.now() - start;
}

async function section(name: string, fn: () => Promise<void>): Promise<void> {
  log(`== ${name}`);
  await quiet();
  const a0 = cpuAccount();
  const t0 = performance.now();
  try {
    await fn();
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`!! ${name} failed: ${text.split("\n")[0]}`);
    R.errors.push({ section: name, error: text.slice(0, 4000) });
  } finally {
    const a1 = cpuAccount();
    const wallSec = (performance.now() - t0) / 1000;
    const machineCores = (a1.busy - a0.busy) / wallSec;
    const benchCores = (a1.ours - a0.ours) / wallSec;
    const otherCores = Math.max(0, machineCores - benchCores);
    R.load.push({ section: name, wallSec, machineCores, benchCores, otherCores });
    if (otherCores > OTHER_LOAD_WARN) log(`   WARNING: other processes used ${fmt(otherCores, 2)} cores during this section; its numbers are suspect`);
  }
}

async function loopOn(worker: Worker, server: Server | null, task: Task): Promise<LoopResult & { serverCpu: number | null }> {
  await quiet();
  const cpu0 = server?.cpuSeconds() ?? 0;
  const t0 = performance.now();
  const result = await worker.run<LoopResult>(task);
  const wall = (performance.now() - t0) / 1000;
  // Server CPU over the whole task (warm-up included), in cores.
  const serverCpu = server ? (server.cpuSeconds() - cpu0) / wall : null;
  return { ...result, serverCpu };
}

function describeLoop(label: string, r: LoopResult & { serverCpu: number | null }): void {
  log(
    `   ${label}: ${fmt(r.throughput)}/s p50 ${fmt(r.latency.p50, 2)} ms p99 ${fmt(r.latency.p99, 2)} ms` +
      (r.serverCpu !== null ? ` server ${fmt(r.serverCpu, 2)} cores` : "") +
      ` client ${fmt(r.clientCpu, 2)}` +
      (r.errors ? ` errors ${r.errors} (${r.firstError})` : ""),
  );
}

/** CPU ms per request on the main thread of one profiled loop, by category. */
function perRequest(loop: ProfiledLoop): Map<Category, number> {
  return new Map(loop.summary.byCategory.map((c) => [c.category, loop.completed ? (c.selfMs * cpuScale(loop)) / loop.completed : NaN]));
}

/** What one WaitRun costs beyond one echo call and one invoke, ms, by category. */
function addedByService(c: ProfiledCeilings): Map<Category, number> {
  const [wait, echo, invoke] = [perRequest(c.wait), perRequest(c.echo), perRequest(c.invoke)];
  return new Map(CATEGORIES.map((k) => [k, wait.get(k)! - echo.get(k)! - invoke.get(k)!]));
}

/** Main-thread busy time per request, ms, scaled as cpuScale says. */
function busy(loop: ProfiledLoop): number {
  return (loop.summary.busyMs * cpuScale(loop)) / loop.completed;
}

/**
 * Profile samples are wall-clock: a thread the OS preempted (two cores shared by
 * server, load generator and GC threads) is charged for the time it waited.
 * Scaling the busy samples to the thread's measured CPU time removes that.
 */
function cpuScale(loop: ProfiledLoop): number {
  return loop.mainThreadCpuMs !== null && loop.summary.busyMs > 0 ? loop.mainThreadCpuMs / loop.summary.busyMs : 1;
}

// ---------------------------------------------------------------------------------------------
// Machine and versions

function pkgVersion(path: string): string | null {
  try {
    return (JSON.parse(readFileSync(path, "utf8")) as { version?: string }).version ?? null;
  } catch {
    return null;
  }
}

function command(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: "utf8", timeout: 30_000 });
  if (r.status !== 0) return null;
  return `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
}

/** Identifies the service code measured (no VCS needed): a digest of src/, gen/ and package.json, and the newest file. */
function sourceVersion(): { digest: string; files: number; newest: string; newestTime: string } {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|json)$/.test(entry.name)) files.push(path);
    }
  };
  walk(join(ROOT, "src"));
  walk(join(ROOT, "gen"));
  files.push(join(ROOT, "package.json"));
  files.sort();
  const hash = createHash("sha256");
  let newest = { path: "", mtime: 0 };
  for (const file of files) {
    hash.update(relative(ROOT, file)).update("\0").update(readFileSync(file)).update("\0");
    const mtime = statSync(file).mtimeMs;
    if (mtime > newest.mtime) newest = { path: relative(ROOT, file), mtime };
  }
  return { digest: hash.digest("hex").slice(0, 16), files: files.length, newest: newest.path, newestTime: new Date(newest.mtime).toISOString() };
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  const nm = (p: string) => pkgVersion(join(ROOT, "node_modules", p, "package.json"));
  const pyVenv = join(BENCH, "anchors/py/.venv/bin/python");
  const pyVersions = existsSync(pyVenv)
    ? command(pyVenv, [
        "-c",
        "import importlib.metadata as m, sys\nfor p in ['langgraph-api','langgraph-runtime-inmem','langgraph','langgraph-cli','uvicorn']:\n  print(p, m.version(p))\nprint('python', sys.version.split()[0])",
      ])
    : null;
  return {
    cpuModel: cpus[0]?.model ?? "unknown",
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    versions: {
      "agent-runs": pkgVersion(join(ROOT, "package.json")),
      "@connectrpc/connect-node": nm("@connectrpc/connect-node"),
      "@bufbuild/protobuf": nm("@bufbuild/protobuf"),
      "@langchain/langgraph": nm("@langchain/langgraph"),
      "@langchain/core": nm("@langchain/core"),
      mongodb: nm("mongodb"),
      "@langchain/langgraph-api (JS anchor)": pkgVersion(join(BENCH, "anchors/js/node_modules/@langchain/langgraph-api/package.json")),
      "@langchain/langgraph-cli (JS anchor)": pkgVersion(join(BENCH, "anchors/js/node_modules/@langchain/langgraph-cli/package.json")),
      "@langchain/langgraph (JS anchor)": pkgVersion(join(BENCH, "anchors/js/node_modules/@langchain/langgraph/package.json")),
      "Python anchor": pyVersions ? pyVersions.split("\n").join(", ") : null,
      java: command("java", ["-version"])?.split("\n")[0] ?? null,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Sections

/**
 * A fresh server for each (repetition, protocol): every cell then starts from the same state and
 * no server serves more than ~10k runs (so the memory store's eviction, which section 5 measures,
 * stays out of these numbers). Each server is warmed before its cells.
 */
async function waitMatrix(worker: Worker): Promise<void> {
  const reps: Record<string, Record<string, Array<LoopResult & { serverCpu: number | null }>>> = {};
  for (let rep = 0; rep < REPS; rep++) {
    for (const protocol of PROTOCOLS) {
      const server = await startAgentRuns(`agent-runs-wait-${rep + 1}-${protocol}`);
      try {
        await worker.run({ kind: "wait", url: server.url, protocol, assistantId: "echo", concurrency: 16, warmupMs: JIT_WARMUP_MS, durationMs: 100 });
        for (const concurrency of CONCURRENCY) {
          const r = await loopOn(worker, server, { kind: "wait", url: server.url, protocol, assistantId: "echo", concurrency, ...S.wait });
          describeLoop(`rep ${rep + 1} WaitRun ${protocol} x${concurrency}`, r);
          ((reps[`agent-runs ${protocol}`] ??= {})[concurrency] ??= []).push(r);
        }
      } finally {
        await server.stop();
      }
    }
  }
  for (const [series, byC] of Object.entries(reps)) {
    R.wait[series] = {};
    for (const [c, list] of Object.entries(byC)) R.wait[series]![c] = cellOf(list);
  }
}

async function echoCeiling(worker: Worker, echo: Server): Promise<void> {
  const reps: Record<string, Record<string, Array<LoopResult & { serverCpu: number | null }>>> = {};
  // The three protocols through the project's listen(), plus gRPC on a plain node:http2 server.
  const variants: Array<{ key: string; protocol: Protocol; url: string }> = PROTOCOLS.map((protocol) => ({ key: protocol, protocol, url: echo.url }));
  if (echo.plainH2Url) variants.push({ key: "grpc-plain-h2", protocol: "grpc", url: echo.plainH2Url });
  for (const v of variants) await worker.run({ kind: "echo-unary", url: v.url, protocol: v.protocol, concurrency: 16, warmupMs: 500, durationMs: 100 });
  for (let rep = 0; rep < REPS; rep++) {
    for (const v of variants) {
      for (const concurrency of S.echo.concurrency) {
        const r = await loopOn(worker, echo, { kind: "echo-unary", url: v.url, protocol: v.protocol, concurrency, warmupMs: S.echo.warmupMs, durationMs: S.echo.durationMs });
        describeLoop(`rep ${rep + 1} echo unary ${v.key} x${concurrency}`, r);
        ((reps[v.key] ??= {})[concurrency] ??= []).push(r);
      }
    }
  }
  for (const [protocol, byC] of Object.entries(reps)) {
    R.echoUnary[protocol] = {};
    for (const [c, list] of Object.entries(byC)) R.echoUnary[protocol]![c] = cellOf(list);
  }
}

async function invokeCeiling(worker: Worker): Promise<void> {
  const reps: Record<string, Array<LoopResult & { serverCpu: number | null }>> = {};
  await worker.run({ kind: "invoke", concurrency: 16, warmupMs: JIT_WARMUP_MS, durationMs: 100 });
  for (let rep = 0; rep < REPS; rep++) {
    for (const concurrency of S.invoke.concurrency) {
      const r = await loopOn(worker, null, { kind: "invoke", concurrency, warmupMs: S.invoke.warmupMs, durationMs: S.invoke.durationMs });
      describeLoop(`rep ${rep + 1} in-process invoke x${concurrency}`, r);
      (reps[concurrency] ??= []).push(r);
    }
  }
  for (const [c, list] of Object.entries(reps)) R.invoke[c] = cellOf(list);
}

async function streamTiming(worker: Worker, server: Server): Promise<void> {
  for (const protocol of ["grpc", "connect-json"] as Protocol[]) {
    const reps: StreamTimingResult[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      await quiet();
      const r = await worker.run<StreamTimingResult>({ kind: "stream-ttfe", url: server.url, protocol, assistantId: "echo", ...S.streamTiming });
      log(`   rep ${rep + 1} StreamRun echo ${protocol}: first event p50 ${fmt(r.ttfe.p50, 2)} ms, end p50 ${fmt(r.tte.p50, 2)} ms${r.errors ? ` errors ${r.errors} (${r.firstError})` : ""}`);
      reps.push(r);
    }
    R.streamTiming[`agent-runs ${protocol}`] = timingOf(reps);
  }
}

async function streamEvents(worker: Worker, server: Server, echo: Server, prefix = ""): Promise<void> {
  const variants: Array<{ key: string; target: StreamTarget; url: string; count: number; intervalMs: number }> = [
    { key: `${prefix}agent-runs burst`, target: "agent-runs", url: server.url, count: S.burst, intervalMs: 0 },
    { key: `${prefix}agent-runs paced`, target: "agent-runs", url: server.url, count: S.paced.count, intervalMs: S.paced.intervalMs },
    { key: `${prefix}echo-server burst`, target: "echo-server", url: echo.url, count: S.burst, intervalMs: 0 },
    { key: `${prefix}echo-server paced`, target: "echo-server", url: echo.url, count: S.paced.count, intervalMs: S.paced.intervalMs },
    { key: `${prefix}graph alone burst`, target: "graph", url: "", count: S.burst, intervalMs: 0 },
    { key: `${prefix}graph alone paced`, target: "graph", url: "", count: S.paced.count, intervalMs: S.paced.intervalMs },
  ];
  // One unrecorded pass of each variant (shorter), to warm the servers and the client.
  for (const v of variants) {
    await worker.run({ kind: "stream-events", url: v.url, protocol: "grpc", target: v.target, count: Math.min(v.count, v.intervalMs ? 200 : 1000), intervalMs: v.intervalMs });
  }
  const reps: Record<string, StreamEventsResult[]> = {};
  for (let rep = 0; rep < REPS; rep++) {
    for (const v of variants) {
      await quiet();
      const r = await worker.run<StreamEventsResult>({ kind: "stream-events", url: v.url, protocol: "grpc", target: v.target, count: v.count, intervalMs: v.intervalMs });
      log(
        `   rep ${rep + 1} ${v.key} ${v.count} events: first ${fmt(r.ttfeMs, 2)} ms, end ${fmt(r.tteMs)} ms, ${fmt(r.eventsPerSec)} ev/s, ` +
          `latency p50 ${fmt(r.latency.p50, 2)} p99 ${fmt(r.latency.p99, 2)} max ${fmt(r.latency.max, 2)} ms, end lag ${fmt(r.endLagMs, 2)} ms (received ${r.received})`,
      );
      (reps[v.key] ??= []).push(r);
    }
  }
  for (const [key, list] of Object.entries(reps)) R.streamEvents[key] = eventsOf(list);
}

/** The main thread's profile: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile with thread 0 (Node 20 runs --import hooks on a second thread, which gets its own). */
function mainThreadProfile(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f)).sort();
  return files.length ? join(dir, files[files.length - 1]!) : null;
}

/**
 * Runs `body` inside a window marked on the server's profile clock, and reads
 * the server's main-thread CPU time over it.
 */
async function markedWindow<T>(server: Server, body: () => Promise<T>): Promise<{ result: T; windowUs: [number, number]; mainThreadCpuMs: number | null }> {
  const start = await server.probe("mark");
  const cpu0 = threadCpuMs(server.child.pid!);
  const result = await body();
  const cpu1 = threadCpuMs(server.child.pid!);
  const end = await server.probe("mark");
  return { result, windowUs: [start.atUs, end.atUs], mainThreadCpuMs: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null };
}

async function profileRun(worker: Worker): Promise<void> {
  if (!S.profile) return;
  const dir = join(SCRATCH, "profile");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const server = await startAgentRuns("agent-runs-profiled", [], ["--cpu-prof", "--cpu-prof-dir", dir]);
  try {
    const shape = { kind: "wait" as const, url: server.url, protocol: "grpc" as const, assistantId: "echo", concurrency: 16 };
    await worker.run({ ...shape, warmupMs: JIT_WARMUP_MS, durationMs: 100 });
    const wait = await markedWindow(server, () => loopOn(worker, server, { ...shape, warmupMs: 0, durationMs: S.profile!.durationMs }));
    describeLoop("profiled WaitRun grpc x16 (--cpu-prof)", wait.result);
    // Second window: StreamRun bursts of custom events.
    const burst = { kind: "stream-events" as const, url: server.url, protocol: "grpc" as const, target: "agent-runs" as const, count: S.burst, intervalMs: 0 };
    await worker.run({ ...burst, count: 1000 });
    const stream = await markedWindow(server, async () => {
      for (let i = 0; i < PROFILED_BURSTS; i++) await worker.run(burst);
    });
    await server.stop();
    const file = mainThreadProfile(dir);
    if (!file) throw new Error(`no .cpuprofile in ${dir} (did the server exit cleanly?)`);
    R.profile = summarizeProfile(file, wait.windowUs, 25);
    R.profile.file = relative(ROOT, file);
    (R.profile as ProfileSummary & { throughput?: number }).throughput = wait.result.throughput;
    R.profileStream = summarizeProfile(file, stream.windowUs, 15);
    R.profileStream.file = R.profile.file;
    for (const [label, pr] of [["WaitRun", R.profile], ["StreamRun burst", R.profileStream]] as const) {
      log(`   profile ${label}: ${pr.windowed ? "windowed" : "whole run"} ${fmt(pr.windowMs)} ms, busy ${fmt(pr.busyFraction * 100)}% of a core`);
      for (const row of pr.topFunctions.slice(0, 6)) log(`     ${fmt(row.selfPct)}% ${row.name} ${row.where}`);
    }
    const ceilings = await profileCeilings(worker);
    R.profileCeilings = {
      wait: { summary: R.profile, completed: completedIn(R.profile, wait.result), mainThreadCpuMs: wait.mainThreadCpuMs },
      stream: { summary: R.profileStream, completed: PROFILED_BURSTS * S.burst, mainThreadCpuMs: stream.mainThreadCpuMs },
      ...ceilings,
    };
  } finally {
    if (server.child.exitCode === null) await server.stop();
  }
}

/** Requests a loop completed inside a profile's window. */
function completedIn(summary: ProfileSummary, loop: LoopResult): number {
  return Math.round((loop.throughput * summary.windowMs) / 1000);
}

/**
 * The two ceilings profiled under the WaitRun profile's load shape (gRPC, 16
 * clients, same warm-up and window): the bare echo server per unary call (and
 * its StreamRun bursts), and the in-process graph.invoke in a load process of its own.
 */
async function profileCeilings(worker: Worker): Promise<Pick<ProfiledCeilings, "echo" | "invoke" | "echoStream">> {
  const profile = S.profile!;
  const echoDir = join(SCRATCH, "profile-echo");
  const invokeDir = join(SCRATCH, "profile-invoke");
  for (const dir of [echoDir, invokeDir]) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const echo = await startNodeServer("echo-profiled", "bench/echo-server.ts", ["0"], ["--cpu-prof", "--cpu-prof-dir", echoDir]);
  let unary: Awaited<ReturnType<typeof markedWindow<LoopResult & { serverCpu: number | null }>>>;
  let stream: Awaited<ReturnType<typeof markedWindow<void>>>;
  try {
    const shape = { kind: "echo-unary" as const, url: echo.url, protocol: "grpc" as const, concurrency: 16 };
    await worker.run({ ...shape, warmupMs: JIT_WARMUP_MS, durationMs: 100 });
    unary = await markedWindow(echo, () => loopOn(worker, echo, { ...shape, warmupMs: 0, durationMs: profile.durationMs }));
    describeLoop("profiled echo unary grpc x16 (--cpu-prof)", unary.result);
    // The echo server's StreamRun: the same bursts, yielded straight from the handler.
    const burst = { kind: "stream-events" as const, url: echo.url, protocol: "grpc" as const, target: "echo-server" as const, count: S.burst, intervalMs: 0 };
    await worker.run({ ...burst, count: 1000 });
    stream = await markedWindow(echo, async () => {
      for (let i = 0; i < PROFILED_BURSTS; i++) await worker.run(burst);
    });
    await echo.stop();
  } finally {
    if (echo.child.exitCode === null) await echo.stop();
  }
  const invoker = await Worker.start(["--cpu-prof", "--cpu-prof-dir", invokeDir]);
  let invokeLoop: LoopResult;
  try {
    await quiet();
    invokeLoop = await invoker.run<LoopResult>({ kind: "invoke", concurrency: 16, warmupMs: JIT_WARMUP_MS, durationMs: profile.durationMs });
  } finally {
    await invoker.stop();
  }
  const echoFile = mainThreadProfile(echoDir);
  const invokeFile = mainThreadProfile(invokeDir);
  if (!echoFile || !invokeFile) throw new Error(`no .cpuprofile in ${echoFile ? invokeDir : echoDir}`);
  const echoSummary = summarizeProfile(echoFile, unary.windowUs, 10);
  const invokeSummary = summarizeProfile(invokeFile, invokeLoop.windowUs, 10);
  return {
    echo: { summary: echoSummary, completed: completedIn(echoSummary, unary.result), mainThreadCpuMs: unary.mainThreadCpuMs },
    invoke: { summary: invokeSummary, completed: completedIn(invokeSummary, invokeLoop), mainThreadCpuMs: invokeLoop.mainThreadCpuMs },
    echoStream: { summary: summarizeProfile(echoFile, stream.windowUs, 10), completed: PROFILED_BURSTS * S.burst, mainThreadCpuMs: stream.mainThreadCpuMs },
  };
}

async function memoryIdle(worker: Worker, server: Server, target: "agent-runs" | "echo-server", steps: number[]): Promise<void> {
  const rows = target === "agent-runs" ? R.memory.idle : R.memory.idleEcho;
  const base = await server.probe("gc");
  const baseRss = server.rssKb();
  rows.push({ streams: 0, rssKb: baseRss, heapUsed: base.heapUsed, external: base.external, openMs: 0, failed: 0, perStreamKb: null, perStreamHeapKb: null });
  log(`   ${target} idle streams 0: RSS ${fmt(baseRss / 1024)} MiB, heap ${fmt(base.heapUsed / 2 ** 20)} MiB`);
  let open = 0;
  try {
    for (const step of steps) {
      const r = await worker.run<IdleOpenResult>({ kind: "idle-open", url: server.url, target, count: step - open, perConnection: 500, parallel: 64 });
      open += r.opened;
      await sleep(500);
      const reading = await server.probe("gc");
      const rss = server.rssKb();
      const row = {
        streams: open,
        rssKb: rss,
        heapUsed: reading.heapUsed,
        external: reading.external,
        openMs: r.elapsedMs,
        failed: r.failed,
        perStreamKb: open ? (rss - baseRss) / open : null,
        perStreamHeapKb: open ? (reading.heapUsed - base.heapUsed) / 1024 / open : null,
      };
      rows.push(row);
      log(
        `   ${target} idle streams ${open} (+${r.opened} in ${fmt(r.elapsedMs)} ms${r.failed ? `, ${r.failed} failed: ${r.firstError}` : ""}): RSS ${fmt(rss / 1024)} MiB ` +
          `(${fmt(row.perStreamKb, 2)} KiB/stream), heap ${fmt(reading.heapUsed / 2 ** 20)} MiB (${fmt(row.perStreamHeapKb, 2)} KiB/stream)`,
      );
    }
  } finally {
    await worker.run({ kind: "idle-close" });
  }
}

async function memoryFinished(worker: Worker, server: Server): Promise<void> {
  const base = await server.probe("gc");
  R.memory.finished.push({ runs: 0, rssKb: server.rssKb(), heapUsed: base.heapUsed, elapsedMs: 0, throughput: NaN });
  let done = 0;
  const started = Date.now();
  let lastChunkMs = 0;
  while (done < S.finished.total) {
    // Bounded in time: a server that slows down must not hold the whole bench.
    if (Date.now() - started + lastChunkMs > S.finished.budgetMs) {
      R.memory.finishedStopped = `stopped after ${fmt(done)} runs: the next chunk would pass the ${S.finished.budgetMs / 1000} s budget of this section`;
      log(`   ${R.memory.finishedStopped}`);
      break;
    }
    const t0 = Date.now();
    const r = await worker.run<LoopResult>({ kind: "wait", url: server.url, protocol: "connect-json", assistantId: "echo", concurrency: 16, warmupMs: 0, durationMs: 0, count: S.finished.chunk });
    if (r.errors) throw new Error(`finished runs: ${r.errors} errors (${r.firstError})`);
    done += r.completed;
    const reading = await server.probe("gc");
    const rss = server.rssKb();
    R.memory.finished.push({ runs: done, rssKb: rss, heapUsed: reading.heapUsed, elapsedMs: r.elapsedMs, throughput: r.throughput });
    log(`   finished runs ${done}: RSS ${fmt(rss / 1024)} MiB, heap ${fmt(reading.heapUsed / 2 ** 20)} MiB (${fmt(r.throughput)} runs/s)`);
    lastChunkMs = Date.now() - t0;
  }
}

/**
 * Fills one thread with message rows, in runs of `seedChunk` messages each (WaitRun of the echo
 * graph whose input carries the messages), up to each size of S.mongo.seed in turn; at each size,
 * pages the latest run's messages: its last page and a page from its middle (after_seq).
 */
async function seedAndList(worker: Worker, store: string, server: Server): Promise<void> {
  let threadId: string | undefined;
  let total = 0;
  for (const count of S.mongo.seed) {
    let runs = 0;
    let elapsedMs = 0;
    let messages = 0;
    let seed: SeedResult | null = null;
    while (total < count) {
      const chunk = Math.min(S.mongo.seedChunk, count - total);
      seed = await worker.run<SeedResult>({ kind: "seed-messages", url: server.url, count: chunk, threadId }, 180_000);
      threadId = seed.threadId;
      total += chunk;
      messages += chunk;
      runs++;
      elapsedMs += seed.elapsedMs;
    }
    if (!seed) continue;
    ((R.mongo.seed[store] ??= {})[count] = { runs, messages, elapsedMs, last: seed });
    log(`   ${store}: thread now holds ${fmt(total)} messages (+${fmt(messages)} in ${runs} run(s), ${fmt(elapsedMs)} ms, ${fmt((messages / elapsedMs) * 1000)} messages/s)`);
    const last: StreamTimingResult[] = [];
    const middle: StreamTimingResult[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const maxMs = QUICK ? 1500 : 3000;
      last.push(await worker.run<StreamTimingResult>({ kind: "list-messages", url: server.url, runId: seed.runId, reps: S.mongo.listReps, maxMs }));
      middle.push(await worker.run<StreamTimingResult>({ kind: "list-messages", url: server.url, runId: seed.runId, reps: S.mongo.listReps, maxMs, afterSeq: Math.floor((seed.firstSeq + seed.lastSeq) / 2) }));
    }
    const cell = { lastPage: timingOf(last), middlePage: timingOf(middle) };
    ((R.mongo.list[store] ??= {})[count] = cell);
    log(`   ${store}: ListRunMessages at ${count}: last page p50 ${fmt(cell.lastPage.median.ttfeP50, 2)} ms, middle page (after_seq) p50 ${fmt(cell.middlePage.median.ttfeP50, 2)} ms${cell.lastPage.median.errors ? ` errors: ${cell.lastPage.median.firstError}` : ""}`);
  }
}

async function mongoSection(worker: Worker, memoryServer: Server, echo: Server): Promise<void> {
  const { startMongoServer } = await import("../test/mongo-server/server.js");
  const mongo = await startMongoServer();
  children.add(mongo.child);
  let server: Server | null = null;
  try {
    server = await startAgentRuns("agent-runs-mongodb", ["--mongodb-uri", mongo.uri, "--mongodb-database", "bench"]);
    R.mongo.status = "measured";
    for (const protocol of ["grpc"] as Protocol[]) {
      await worker.run({ kind: "wait", url: server.url, protocol, assistantId: "echo", concurrency: 16, warmupMs: QUICK ? 300 : 1500, durationMs: 100 });
    }
    const reps: Record<string, Array<LoopResult & { serverCpu: number | null }>> = {};
    for (let rep = 0; rep < REPS; rep++) {
      for (const concurrency of [1, 16]) {
        const r = await loopOn(worker, server, { kind: "wait", url: server.url, protocol: "grpc", assistantId: "echo", concurrency, ...S.mongo.wait });
        describeLoop(`rep ${rep + 1} MongoDB WaitRun grpc x${concurrency}`, r);
        (reps[concurrency] ??= []).push(r);
      }
    }
    R.mongo.wait["agent-runs grpc (mongodb)"] = {};
    for (const [c, list] of Object.entries(reps)) R.mongo.wait["agent-runs grpc (mongodb)"]![c] = cellOf(list);

    const evReps: StreamEventsResult[] = [];
    await worker.run({ kind: "stream-events", url: server.url, protocol: "grpc", target: "agent-runs", count: 500, intervalMs: 0 });
    for (let rep = 0; rep < REPS; rep++) {
      await quiet();
      const r = await worker.run<StreamEventsResult>({ kind: "stream-events", url: server.url, protocol: "grpc", target: "agent-runs", count: S.mongo.events, intervalMs: 0 });
      log(`   rep ${rep + 1} MongoDB ${S.mongo.events} events: end ${fmt(r.tteMs)} ms, ${fmt(r.eventsPerSec)} events/s, latency p50 ${fmt(r.latency.p50, 2)} p99 ${fmt(r.latency.p99, 2)} ms`);
      evReps.push(r);
    }
    R.mongo.events["mongodb"] = eventsOf(evReps);
    if (S.mongo.events !== S.burst) {
      // Same size on the memory store, for the comparison.
      const memReps: StreamEventsResult[] = [];
      for (let rep = 0; rep < REPS; rep++) {
        memReps.push(await worker.run<StreamEventsResult>({ kind: "stream-events", url: memoryServer.url, protocol: "grpc", target: "agent-runs", count: S.mongo.events, intervalMs: 0 }));
      }
      R.mongo.events["memory"] = eventsOf(memReps);
    } else if (R.streamEvents["agent-runs burst"]) {
      R.mongo.events["memory"] = R.streamEvents["agent-runs burst"];
    }
    void echo;
    await seedAndList(worker, "mongodb", server);
  } catch (error) {
    R.mongo.status = "failed";
    R.mongo.error = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    if (server) await server.stop();
    await mongo.stop();
    children.delete(mongo.child);
  }
}

// ---------------------------------------------------------------------------------------------
// Anchors

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolvePort(port));
    });
  });
}

async function startAnchor(kind: "js" | "py"): Promise<{ child: ChildProcess; url: string; logFile: string }> {
  const port = await freePort();
  const dir = join(BENCH, "anchors", kind);
  const logFile = join(SCRATCH, `anchor-${kind}.log`);
  const bin = kind === "js" ? join(dir, "node_modules/.bin/langgraphjs") : join(dir, ".venv/bin/langgraph");
  if (!existsSync(bin)) throw new Error(`${relative(ROOT, bin)} is missing: bench/anchors/setup.sh did not install the ${kind} anchor`);
  const args = ["dev", "--no-browser", "--no-reload", "--port", String(port), "--host", "127.0.0.1", "--config", "langgraph.json"];
  if (kind === "py") args.push("--server-log-level", "WARNING");
  const env = {
    ...process.env,
    LANGSMITH_TRACING: "false",
    LANGCHAIN_TRACING_V2: "false",
    LANGSMITH_API_KEY: "",
    LANGGRAPH_CLI_NO_ANALYTICS: "1",
    LOG_LEVEL: "warn",
    BROWSER: "none",
  };
  const fd = (await import("node:fs")).openSync(logFile, "w");
  const child = spawn(bin, args, { cwd: dir, env, stdio: ["ignore", fd, fd], detached: true });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${kind} anchor exited (${child.signalCode ?? child.exitCode}) before it was ready:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
    }
    try {
      const res = await fetch(`${url}/ok`);
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`${kind} anchor not ready within 120 s:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
    }
    await sleep(250);
  }
  return { child, url, logFile };
}

async function anchorSection(worker: Worker, kind: "js" | "py"): Promise<void> {
  const info = R.anchors[kind];
  const plan = S.anchors;
  if (!plan) return;
  info.version =
    kind === "js"
      ? `@langchain/langgraph-api ${pkgVersion(join(BENCH, "anchors/js/node_modules/@langchain/langgraph-api/package.json")) ?? "?"}`
      : (command(join(BENCH, "anchors/py/.venv/bin/python"), ["-c", "import importlib.metadata as m; print('langgraph-api', m.version('langgraph-api'))"]) ?? null);
  let anchor: Awaited<ReturnType<typeof startAnchor>> | null = null;
  const series = `${kind}-anchor`;
  try {
    const t0 = Date.now();
    anchor = await startAnchor(kind);
    info.notes.push(`started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // A first run compiles/loads the graph.
    await worker.run({ kind: "http-wait", url: anchor.url, assistantId: "echo", concurrency: 1, warmupMs: 0, durationMs: 0, count: 2 });
    const reps: Record<string, Array<LoopResult & { serverCpu: number | null }>> = {};
    const pgid = anchor.child.pid!;
    for (let rep = 0; rep < REPS; rep++) {
      for (const concurrency of CONCURRENCY) {
        await quiet();
        const cpu0 = groupCpuSeconds(pgid);
        const t = performance.now();
        const r = await worker.run<LoopResult>({ kind: "http-wait", url: anchor.url, assistantId: "echo", concurrency, warmupMs: plan.warmupMs, durationMs: plan.durationMs[concurrency] ?? 5000 });
        const cell = { ...r, serverCpu: (groupCpuSeconds(pgid) - cpu0) / ((performance.now() - t) / 1000) };
        describeLoop(`rep ${rep + 1} ${kind} anchor POST /runs/wait x${concurrency}`, cell);
        (reps[concurrency] ??= []).push(cell);
      }
    }
    R.wait[series] = {};
    for (const [c, list] of Object.entries(reps)) R.wait[series]![c] = cellOf(list);
    const timing: StreamTimingResult[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      await quiet();
      const r = await worker.run<StreamTimingResult>({ kind: "http-stream", url: anchor.url, assistantId: "echo", reps: plan.streamReps, warmup: 2 });
      log(`   rep ${rep + 1} ${kind} anchor POST /runs/stream: first event p50 ${fmt(r.ttfe.p50)} ms, end p50 ${fmt(r.tte.p50)} ms${r.errors ? ` errors ${r.errors} (${r.firstError})` : ""}`);
      timing.push(r);
    }
    R.streamTiming[series] = timingOf(timing);
    info.status = "measured";
  } catch (error) {
    info.status = "failed";
    info.error = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    if (anchor) await stopChild(anchor.child);
  }
}

function setupAnchors(): string | null {
  log("   bench/anchors/setup.sh (idempotent) ...");
  const r = spawnSync("bash", [join(BENCH, "anchors/setup.sh")], { encoding: "utf8", timeout: 15 * 60_000 });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
  for (const line of out.split("\n").slice(-6)) log(`   | ${line}`);
  return r.status === 0 ? null : out.slice(-3000) || `exit ${r.status}`;
}

// ---------------------------------------------------------------------------------------------
// Report

const SERIES_LABEL: Record<string, string> = {
  "agent-runs grpc": "agent-runs gRPC",
  "agent-runs connect-json": "agent-runs Connect JSON",
  "agent-runs connect-binary": "agent-runs Connect binary",
  "js-anchor": "LangGraph JS server",
  "py-anchor": "LangGraph Python server",
};

function waitCell(series: string, c: number): Cell | undefined {
  return R.wait[series]?.[String(c)];
}

function writeFigures(): string[] {
  const written: string[] = [];
  const put = (name: string, svg: string) => {
    writeFileSync(join(OUT, name), svg);
    written.push(name);
  };
  const series = Object.keys(SERIES_LABEL).filter((s) => R.wait[s]);
  const cats = CONCURRENCY.map((c) => `${c} client${c > 1 ? "s" : ""}`);
  put(
    "wait-throughput.svg",
    barChart({
      title: "WaitRun / POST /runs/wait throughput, one-node graph (median of reps)",
      yLabel: "runs per second",
      categories: cats,
      series: [
        ...series.map((s) => ({ name: SERIES_LABEL[s]!, values: CONCURRENCY.map((c) => waitCell(s, c)?.median.throughput ?? null) })),
        { name: "ceiling: in-process invoke", values: CONCURRENCY.map((c) => R.invoke[String(c)]?.median.throughput ?? null) },
        { name: "ceiling: echo unary (gRPC)", values: CONCURRENCY.map((c) => R.echoUnary["grpc"]?.[String(c)]?.median.throughput ?? null) },
      ],
      log: true,
      width: 1000,
    }),
  );
  put(
    "wait-latency.svg",
    barChart({
      title: "WaitRun / POST /runs/wait latency p50 and p99 (median of reps)",
      yLabel: "milliseconds",
      categories: cats,
      series: series.flatMap((s) => [
        { name: `${SERIES_LABEL[s]} p50`, values: CONCURRENCY.map((c) => waitCell(s, c)?.median.p50 ?? null) },
        { name: `${SERIES_LABEL[s]} p99`, values: CONCURRENCY.map((c) => waitCell(s, c)?.median.p99 ?? null) },
      ]),
      log: true,
      width: 1100,
    }),
  );
  const curves = Object.entries(R.streamEvents)
    .filter(([, cell]) => cell.reps.length)
    .map(([key, cell]) => {
      // The rep with the median p99.
      const sorted = [...cell.reps].sort((a, b) => a.latency.p99 - b.latency.p99);
      const rep = sorted[sorted.length >> 1]!;
      return { name: `${key} (${cell.median.count} events)`, points: rep.curve.map(([p, v]) => [p, Math.max(v, 0.001)] as [number, number]) };
    });
  if (curves.length) {
    put(
      "stream-event-latency.svg",
      lineChart({
        title: "StreamRun per-event delivery latency (emit in graph → receive in client), by percentile",
        xLabel: "percentile",
        yLabel: "latency, ms",
        series: curves,
        logY: true,
        refs: [{ y: 1, label: "target: p99 < 1 ms" }],
        width: 1000,
      }),
    );
  }
  if (R.memory.finished.length > 1) {
    put(
      "memory-finished-runs.svg",
      lineChart({
        title: "Server RSS and V8 heap after N finished runs (memory store, after GC)",
        xLabel: "finished runs",
        yLabel: "MiB",
        series: [
          { name: "RSS", points: R.memory.finished.map((r) => [r.runs, r.rssKb / 1024]) },
          { name: "heap used", points: R.memory.finished.map((r) => [r.runs, r.heapUsed / 2 ** 20]) },
        ],
      }),
    );
  }
  if (R.memory.finished.length > 2) {
    put(
      "finished-runs-throughput.svg",
      lineChart({
        title: "WaitRun throughput per chunk as finished runs accumulate (memory store, defaults)",
        xLabel: "finished runs at the end of the chunk",
        yLabel: "runs per second",
        series: [{ name: "WaitRun, Connect JSON, 16 clients", points: R.memory.finished.filter((r) => r.runs > 0).map((r) => [r.runs, r.throughput]) }],
      }),
    );
  }
  if (R.memory.idle.length > 1) {
    put(
      "memory-idle-streams.svg",
      lineChart({
        title: "Server RSS and V8 heap with N idle open StreamRun streams (after GC)",
        xLabel: "open idle streams",
        yLabel: "MiB",
        series: [
          { name: "RSS", points: R.memory.idle.map((r) => [r.streams, r.rssKb / 1024]) },
          { name: "heap used", points: R.memory.idle.map((r) => [r.streams, r.heapUsed / 2 ** 20]) },
        ],
      }),
    );
  }
  if (R.mongo.status === "measured") {
    const mem = R.wait["agent-runs grpc"];
    const mongo = R.mongo.wait["agent-runs grpc (mongodb)"];
    const seeds = S.mongo.seed;
    put(
      "mongodb-vs-memory.svg",
      barChart({
        title: "MongoDB store (mongo-java-server) next to the memory store",
        yLabel: "value",
        categories: ["WaitRun/s x1", "WaitRun/s x16", "stream events/s", ...seeds.map((n) => `List p50 ms @${n >= 1000 ? `${n / 1000}k` : n} msgs`)],
        series: [
          {
            name: "memory",
            values: [
              mem?.["1"]?.median.throughput ?? null,
              mem?.["16"]?.median.throughput ?? null,
              R.mongo.events["memory"]?.median.eventsPerSec ?? null,
              ...seeds.map((n) => R.mongo.list["memory"]?.[String(n)]?.lastPage.median.ttfeP50 ?? null),
            ],
          },
          {
            name: "mongodb",
            values: [
              mongo?.["1"]?.median.throughput ?? null,
              mongo?.["16"]?.median.throughput ?? null,
              R.mongo.events["mongodb"]?.median.eventsPerSec ?? null,
              ...seeds.map((n) => R.mongo.list["mongodb"]?.[String(n)]?.lastPage.median.ttfeP50 ?? null),
            ],
          },
        ],
        log: true,
        width: 1000,
      }),
    );
  }
  return written;
}

/**
 * What one WaitRun costs on the server's main thread, split by who spends it,
 * next to the same split for an echo call and an in-process invoke; the last
 * column is what the service adds, category by category.
 */
function profileCostLines(c: ProfiledCeilings): string[] {
  const wait = perRequest(c.wait);
  const echo = perRequest(c.echo);
  const invoke = perRequest(c.invoke);
  const added = addedByService(c);
  const ms = (x: number) => fmt(x, 3);
  const ours = wait.get("agent-runs (src/, gen/)")!;
  const rows = CATEGORIES.map((k) => [k, ms(wait.get(k)!), ms(echo.get(k)!), ms(invoke.get(k)!), ms(added.get(k)!)]);
  rows.push(["**all (main thread busy)**", ms(busy(c.wait)), ms(busy(c.echo)), ms(busy(c.invoke)), ms(busy(c.wait) - busy(c.echo) - busy(c.invoke))]);
  return [
    `### What one run costs, by who spends it`,
    ``,
    `The same gRPC x16 load shape, warm-up and window, profiled three times: this agent-runs server per WaitRun (${fmt(c.wait.completed)} runs in the window), the bare echo server per unary call (${fmt(c.echo.completed)} calls) and the in-process \`graph.invoke\` ceiling in a load process of its own (${fmt(c.invoke.completed)} invokes). Main thread only: each profile's busy samples are scaled to the main thread's CPU time measured in \`/proc\` over the window (scale ${fmt(cpuScale(c.wait), 2)} / ${fmt(cpuScale(c.echo), 2)} / ${fmt(cpuScale(c.invoke), 2)}), because samples are wall-clock and a preempted thread is charged for its wait; GC helper threads are not in it, so totals differ from the CPU table in section 2. Time in Node.js internals and V8 builtins is charged to the nearest package frame above it — LangSmith's UUIDs, LangChain's async-local-storage hooks, connect's per-call abort signal — so what stays "Node.js core on its own" is socket, HTTP/2 and timer work with no package on the stack.`,
    ``,
    table(["spent by", "WaitRun ms / run", "echo ms / call", "invoke ms / invoke", "WaitRun − echo − invoke"], rows),
    ``,
    `agent-runs' own code (handlers, validation, runtime, stores, interceptors, and what it calls in Node.js) costs **${fmt(ours, 3)} ms per run** (${fmt((100 * ours) / busy(c.wait), 1)}% of the run's main-thread time). The rest of what the service adds is work it asks of its dependencies: LangGraph running the graph as a stream with the runtime's config (plus reading the checkpoint before and the state after), connect-es and protobuf-es encoding a run and its values instead of an empty echo, and the garbage that all of it leaves.`,
    ``,
  ];
}

/** What one streamed custom event costs in a burst: agent-runs' StreamRun next to the echo server's, by who spends it. */
function streamCostLines(c: ProfiledCeilings): string[] {
  const ours = perRequest(c.stream);
  const echo = perRequest(c.echoStream);
  const us = (x: number) => fmt(x * 1000, 2);
  const rows = CATEGORIES.map((k) => [k, us(ours.get(k)!), us(echo.get(k)!), us(ours.get(k)! - echo.get(k)!)]);
  rows.push(["**all (main thread busy)**", us(busy(c.stream)), us(busy(c.echoStream)), us(busy(c.stream) - busy(c.echoStream))]);
  return [
    `Per custom event, µs of main-thread CPU (scaled as above: ${fmt(cpuScale(c.stream), 2)} / ${fmt(cpuScale(c.echoStream), 2)}), next to the bare echo server streaming the same ${fmt(PROFILED_BURSTS * S.burst)} events as fast as its socket takes them. The LangGraph row is the graph writing its events, which the echo server does not run; the rest of the difference is the run's event path — stored rows, the in-memory tail, conversion, and the generator layers between the run and connect.`,
    ``,
    table(["spent by", "StreamRun µs / event", "echo stream µs / event", "difference"], rows),
    ``,
  ];
}

function table(header: string[], rows: string[][]): string {
  return [`| ${header.join(" | ")} |`, `|${header.map((h, i) => (i === 0 ? "---" : "---:")).join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

function report(figures: string[], durationSec: number): string {
  const m = R.meta as {
    machine: Record<string, unknown> & { versions: Record<string, string | null> };
    source: ReturnType<typeof sourceVersion>;
  };
  const lines: string[] = [];
  const p = (s = "") => lines.push(s);
  const g16 = waitCell("agent-runs grpc", 16)?.median;
  const inv16 = R.invoke["16"]?.median;
  const echo16 = R.echoUnary["grpc"]?.["16"]?.median;
  const js16 = waitCell("js-anchor", 16)?.median;
  const py16 = waitCell("py-anchor", 16)?.median;
  const g1 = waitCell("agent-runs grpc", 1)?.median;
  const js1 = waitCell("js-anchor", 1)?.median;
  const py1 = waitCell("py-anchor", 1)?.median;
  const burst = R.streamEvents["agent-runs burst"]?.median;
  const paced = R.streamEvents["agent-runs paced"]?.median;

  p(`# agent-runs benchmark results`);
  p();
  p(`Generated by \`npx tsx bench/run.ts${QUICK ? " --quick" : ""}\` on ${new Date(STARTED).toISOString()} in ${fmt(durationSec)} s` + (QUICK ? " — **quick mode: one repetition, short windows, anchors skipped; a smoke check, not a measurement.**" : ` — medians of ${REPS} repetitions.`));
  p(`How to rerun and what each figure means: [README.md](README.md). Raw numbers: [results.json](results.json).`);
  p();
  p(`## Machine`);
  p();
  p(table(["what", "value"], [
    ["CPU", `${m.machine["cpuModel"]} × ${m.machine["cores"]} cores`],
    ["memory", `${m.machine["memoryGiB"]} GiB`],
    ["OS", String(m.machine["os"])],
    ["Node.js", String(m.machine["node"])],
    ["agent-runs source measured", `digest \`${m.source.digest}\` of ${m.source.files} files in src/, gen/, package.json (newest: \`${m.source.newest}\`, ${m.source.newestTime})`],
    ["agent-runs flags", `\`node ${SERVICE_NODE_FLAGS.join(" ")} src/main.ts --port 0 --graphs bench/langgraph.json --drain-ms 200 --read-max-bytes 67108864\`, otherwise defaults (memory store; \`--mongodb-uri\` for section 6)`],
    ...Object.entries(m.machine.versions).map(([k, v]) => [k, v ?? "not installed"]),
  ]));
  p();
  p(`Everything runs on this one machine over loopback: the server under test, the load generator (a separate Node process, \`bench/load.ts\`), and for the MongoDB figures the Java test server. With 2 cores, the server and the load generator each get about one.`);
  p();
  p(
    QUICK
      ? `Quick mode does not wait for the machine to be quiet.`
      : `This machine may be shared (a test suite ran on it during development): before each section and each measured load cell the bench waited for other processes to go quiet (${quietStats.checks} checks, ${fmt(quietStats.waitedMs / 1000)} s waited in all, ${quietStats.gaveUp} gave up after 90 s).`,
  );
  p();
  const noisy = R.load.filter((l) => l.otherCores > OTHER_LOAD_WARN);
  p(noisy.length
    ? `**Other processes were busy during ${noisy.length} section(s)** (more than ${OTHER_LOAD_WARN} cores not spent by this bench; those numbers are suspect): ${noisy.map((l) => `${l.section} (${fmt(l.otherCores, 2)} cores)`).join("; ")}.`
    : `The machine was otherwise quiet: in no section did other processes use more than ${OTHER_LOAD_WARN} cores (see "Machine load" at the end).`);
  p();
  p(`## Headline`);
  p();
  if (g16) p(`- **WaitRun, gRPC, 16 clients: ${fmt(g16.throughput)} runs/s**, p50 ${fmt(g16.p50, 2)} ms, p99 ${fmt(g16.p99, 2)} ms (server ${fmt(g16.serverCpu, 2)} cores).`);
  if (g1) p(`- WaitRun, gRPC, 1 client: p50 ${fmt(g1.p50, 2)} ms, ${fmt(g1.throughput)} runs/s.`);
  if (g16 && inv16) p(`- vs the in-process \`graph.invoke\` ceiling (MemorySaver, 16 concurrent): ${fmt(inv16.throughput)} invokes/s → agent-runs reaches **${fmtRatio(ratio(g16.throughput, inv16.throughput))}** of it.`);
  if (g16 && echo16) p(`- vs the bare connect-node unary echo on the same server stack (gRPC, 16 clients): ${fmt(echo16.throughput)} calls/s → WaitRun is **${fmtRatio(ratio(echo16.throughput, g16.throughput))}** slower than an RPC that does nothing.`);
  if (R.profileCeilings) {
    const ours = perRequest(R.profileCeilings.wait).get("agent-runs (src/, gen/)")!;
    const added = addedByService(R.profileCeilings);
    p(`- Of one WaitRun's main-thread CPU (profiled, section 7), agent-runs' own code takes **${fmt(ours, 2)} ms**; on top of an echo call and an invoke, LangGraph spends ${fmt(added.get("LangGraph.js + LangChain + LangSmith")!, 2)} ms more inside the service than in the bare invoke and connect/protobuf ${fmt(added.get("RPC stack (connect-es, protobuf-es)")!, 2)} ms more than for an empty echo.`);
  }
  if (js16 || js1) p(`- vs the LangGraph JS server (POST /runs/wait): 16 clients ${fmt(js16?.throughput)} runs/s (agent-runs **${fmtRatio(ratio(g16?.throughput, js16?.throughput))}**), serial p50 ${fmt(js1?.p50)} ms (agent-runs **${fmtRatio(ratio(js1?.p50, g1?.p50))}** lower).`);
  else p(`- LangGraph JS server: ${R.anchors.js.status}${R.anchors.js.error ? ` (${R.anchors.js.error.split("\n")[0]})` : ""}.`);
  if (py16 || py1) p(`- vs the LangGraph Python server (POST /runs/wait): 16 clients ${fmt(py16?.throughput)} runs/s (agent-runs **${fmtRatio(ratio(g16?.throughput, py16?.throughput))}**), serial p50 ${fmt(py1?.p50)} ms (agent-runs **${fmtRatio(ratio(py1?.p50, g1?.p50))}** lower).`);
  else p(`- LangGraph Python server: ${R.anchors.py.status}${R.anchors.py.error ? ` (${R.anchors.py.error.split("\n")[0]})` : ""}.`);
  const echoBurst = R.streamEvents["echo-server burst"]?.median;
  const graphPaced = R.streamEvents["graph alone paced"]?.median;
  const echoPaced = R.streamEvents["echo-server paced"]?.median;
  if (burst) {
    p(
      `- StreamRun, ${fmt(burst.count)} custom events in one burst: first event after ${fmt(burst.ttfeMs)} ms, end of stream after ${fmt(burst.tteMs)} ms (${fmt(burst.eventsPerSec)} events/s` +
        (echoBurst ? `; the bare echo server streams ${fmt(echoBurst.eventsPerSec)}/s` : "") +
        `); per-event latency p50 ${fmt(burst.p50, 2)} ms, p99 ${fmt(burst.p99, 2)} ms — target p99 < 1 ms **${burst.p99 < 1 ? "met" : "missed"}**; end ${fmt(burst.endLagMs, 2)} ms after the graph's last event — target ≤ 2 ms **${burst.endLagMs <= 2 ? "met" : "missed"}**. ` +
        `The graph writes the burst in ${fmt(burst.emitSpanMs)} ms, faster than any of these servers can send it, so per-event latency in a burst is the queue ahead of each event (section 4).`,
    );
  }
  if (paced) {
    p(
      `- StreamRun, ${fmt(paced.count)} events 1 ms apart: per-event p50 ${fmt(paced.p50, 2)} ms, p99 ${fmt(paced.p99, 2)} ms (target < 1 ms **${paced.p99 < 1 ? "met" : "missed"}**); end ${fmt(paced.endLagMs, 2)} ms after the last event (target ≤ 2 ms **${paced.endLagMs <= 2 ? "met" : "missed"}**)` +
        (graphPaced ? `; LangGraph alone, in process, takes ${fmt(graphPaced.endLagMs, 2)} ms from the last event to the end of its stream` : "") +
        (echoPaced ? `, and the bare echo server delivers at p99 ${fmt(echoPaced.p99, 2)} ms` : "") +
        `.`,
    );
  }
  const idleLast = R.memory.idle[R.memory.idle.length - 1];
  if (idleLast && idleLast.streams) p(`- Memory per idle open stream (incl. its sleeping run): ${fmt(idleLast.perStreamKb)} KiB RSS at ${fmt(idleLast.streams)} streams.`);
  const finLast = R.memory.finished[R.memory.finished.length - 1];
  const fin0 = R.memory.finished[0];
  if (finLast && fin0 && finLast.runs) {
    const chunks = R.memory.finished.filter((r) => r.runs > 0);
    const firstChunk = chunks[0];
    p(
      `- RSS after ${fmt(finLast.runs)} finished runs: ${fmt(finLast.rssKb / 1024)} MiB (+${fmt((finLast.rssKb - fin0.rssKb) / 1024)} MiB over the empty server, ${fmt(((finLast.rssKb - fin0.rssKb) * 1024) / finLast.runs)} bytes per run)` +
        (R.memory.finishedStopped ? ` — **${R.memory.finishedStopped}**` : "") +
        (firstChunk && chunks.length > 1 ? `; WaitRun throughput over the chunks went from ${fmt(firstChunk.throughput)} to ${fmt(finLast.throughput)} runs/s.` : "."),
    );
  }
  const mw = R.mongo.wait["agent-runs grpc (mongodb)"]?.["16"]?.median;
  if (mw && g16) p(`- MongoDB store: WaitRun ${fmt(mw.throughput)} runs/s at 16 clients (${fmtRatio(ratio(mw.throughput, g16.throughput))} of the memory store).`);
  if (R.errors.length) p(`- **${R.errors.length} section(s) failed**: ${R.errors.map((e) => e.section).join(", ")} (see "Errors").`);
  p();

  p(`## 1. WaitRun throughput and latency (one-node graph)`);
  p();
  p(`A fresh agent-runs server for each protocol and repetition (warmed up first), so that every cell starts from the same state and no server serves more than ~10k runs; what happens past that (the memory store's eviction) is in section 5. Closed loop: each client sends its next request when the previous answer arrived; one connection per client (an HTTP/2 session for gRPC, a keep-alive socket for HTTP/1.1). Window ${fmt(S.wait.durationMs / 1000)} s after ${fmt(S.wait.warmupMs / 1000)} s warm-up (anchors: ${S.anchors ? `${S.anchors.durationMs[1]! / 1000}/${S.anchors.durationMs[16]! / 1000}/${S.anchors.durationMs[64]! / 1000} s after ${S.anchors.warmupMs / 1000} s` : "skipped"}). "server cores" is the server process's CPU time per wall second (1.0 = one core busy).`);
  p();
  const waitRows: string[][] = [];
  for (const s of Object.keys(SERIES_LABEL)) {
    for (const c of CONCURRENCY) {
      const cell = waitCell(s, c);
      if (!cell) continue;
      const x = cell.median;
      waitRows.push([SERIES_LABEL[s]!, String(c), fmt(x.throughput), fmt(x.p50, 2), fmt(x.p99, 2), fmt(x.serverCpu, 2), fmt(x.clientCpu, 2), x.errors ? `${x.errors}: ${x.firstError?.slice(0, 80)}` : "0"]);
    }
  }
  p(table(["series", "clients", "runs/s", "p50 ms", "p99 ms", "server cores", "load-gen cores", "errors"], waitRows));
  p();
  if (figures.includes("wait-throughput.svg")) p(`![WaitRun throughput](wait-throughput.svg)`);
  p();
  if (figures.includes("wait-latency.svg")) p(`![WaitRun latency](wait-latency.svg)`);
  p();

  p(`## 2. Ceilings and ratios`);
  p();
  const ceilRows: string[][] = [];
  for (const c of S.invoke.concurrency) {
    const x = R.invoke[String(c)]?.median;
    if (x) ceilRows.push([`in-process graph.invoke (MemorySaver)`, String(c), fmt(x.throughput), fmt(x.p50, 3), fmt(x.p99, 3), "—"]);
  }
  for (const key of [...PROTOCOLS, "grpc-plain-h2"]) {
    for (const c of S.echo.concurrency) {
      const x = R.echoUnary[key]?.[String(c)]?.median;
      const label = key === "grpc-plain-h2" ? "gRPC (h2c) on a plain node:http2 server, no sniffing" : PROTOCOL_LABEL[key as Protocol];
      if (x) ceilRows.push([`echo unary, ${label}`, String(c), fmt(x.throughput), fmt(x.p50, 3), fmt(x.p99, 3), fmt(x.serverCpu, 2)]);
    }
  }
  p(table(["ceiling", "clients / concurrency", "per second", "p50 ms", "p99 ms", "server cores"], ceilRows));
  p();
  const sniff = CONCURRENCY.map((c) => ratio(R.echoUnary["grpc-plain-h2"]?.[String(c)]?.median.throughput, R.echoUnary["grpc"]?.[String(c)]?.median.throughput));
  if (sniff.some((r) => r !== null)) {
    p(`The gRPC echo on a plain \`node:http2\` server vs the same handlers behind \`src/server/listen.ts\` (which sniffs the first bytes of each connection to choose HTTP/2 or HTTP/1.1, then hands the socket over) plus \`src/server/http.ts\` (CORS, health routes, grpc-message re-encoding): ${CONCURRENCY.map((c, i) => `x${c} ${fmtRatio(sniff[i] ?? null)}`).join(", ")} — the price of serving h2c and HTTP/1.1 on one port with that HTTP layer.`);
    p();
  }
  p(`Ratios (throughput; > 1× means the first is faster):`);
  p();
  const ratioRows: string[][] = [];
  for (const protocol of PROTOCOLS) {
    for (const c of CONCURRENCY) {
      const ar = waitCell(`agent-runs ${protocol}`, c)?.median;
      if (!ar) continue;
      const inv = R.invoke[String(c)]?.median;
      const echo = R.echoUnary[protocol]?.[String(c)]?.median;
      ratioRows.push([
        `${PROTOCOL_LABEL[protocol]} x${c}`,
        fmtRatio(ratio(ar.throughput, inv?.throughput)),
        fmtRatio(ratio(ar.throughput, echo?.throughput)),
        fmtRatio(ratio(ar.throughput, waitCell("js-anchor", c)?.median.throughput)),
        fmtRatio(ratio(ar.throughput, waitCell("py-anchor", c)?.median.throughput)),
        fmtRatio(ratio(waitCell("js-anchor", c)?.median.p50, ar.p50)),
        fmtRatio(ratio(waitCell("py-anchor", c)?.median.p50, ar.p50)),
      ]);
    }
  }
  p(table(["agent-runs WaitRun", "÷ invoke ceiling", "÷ echo (same protocol)", "÷ JS server", "÷ Python server", "JS p50 ÷ ours", "Python p50 ÷ ours"], ratioRows));
  p();
  const costRows = runCostRows();
  if (costRows.length) {
    p(`### What one run costs, and what the service adds`);
    p();
    p(
      `CPU time per completed request, every thread of the process (JIT and GC helpers included): the agent-runs server per WaitRun, the echo server per unary call ` +
        `on the same protocol, and the load process per in-process \`graph.invoke\`. "Added by the service" = WaitRun − echo − invoke: what agent-runs itself ` +
        `(runtime, stores, handlers, interceptors) and the heavier request cost on top of a bare RPC and a bare invoke; the issue's target is under 0.3 ms. ` +
        `"Best ratio possible here" = invoke ÷ (echo + invoke): the share of the invoke ceiling a service that added nothing could reach while each run also pays for a bare RPC on one core.`,
    );
    p();
    p(table(["protocol, clients", "WaitRun ms / run", "echo ms / call", "invoke ms / invoke", "added by the service ms / run", "best ratio possible here", "measured ratio"], costRows));
    p();
  }

  p(`## 3. Streaming: time to first event and to end (one-node graph)`);
  p();
  p(`Sequential streams of the echo graph (\`stream_mode\` values): agent-runs StreamRun vs the anchors' POST /runs/stream (SSE). First event = the \`metadata\` event in both.`);
  p();
  const stRows: string[][] = [];
  for (const [key, cell] of Object.entries(R.streamTiming)) {
    const x = cell.median;
    stRows.push([SERIES_LABEL[key] ?? key, String(cell.reps[0]?.ttfe.n ?? 0), fmt(x.ttfeP50, 2), fmt(x.ttfeP99, 2), fmt(x.tteP50, 2), fmt(x.tteP99, 2), x.errors ? `${x.errors}: ${x.firstError?.slice(0, 60)}` : "0"]);
  }
  p(table(["series", "streams per rep", "first event p50 ms", "first event p99 ms", "end p50 ms", "end p99 ms", "errors"], stRows));
  p();

  p(`## 4. StreamRun: ${fmt(S.burst)} custom events`);
  p();
  p(`The \`emit\` bench graph (\`bench/emit-graph.ts\`) writes N custom events from one node, each stamped with \`performance.timeOrigin + performance.now()\`; the client (gRPC) stamps each on receipt with the same clock (same machine). Per-event latency = receive − emit. "burst": all N written synchronously; "paced": one per ${S.paced.intervalMs} ms. "echo-server" is the transport ceiling: the same events yielded straight from a connect-node handler on the same server stack (in a burst it yields them only as fast as the socket takes them, so its emit span is its delivery time). "graph alone" is the LangGraph ceiling: the same graph run inside the load process and read the way agent-runs reads it (\`src/runtime/graph-stream.ts\`, stream modes custom + updates, a MemorySaver), latency measured to the callback; its end lag is what LangGraph itself needs after the last event (finishing the node, writing the checkpoint) before any server could send \`end\`. End lag = receipt of the \`end\` event − emit time of the last custom event; close lag = stream closed − the same. Targets: p99 per-event latency < 1 ms; end within 2 ms of the graph's last event.`);
  p();
  const evRows: string[][] = [];
  for (const [key, cell] of Object.entries(R.streamEvents)) {
    const x = cell.median;
    evRows.push([key, fmt(x.count), fmt(x.emitSpanMs, 1), fmt(x.ttfeMs, 2), fmt(x.tteMs, 1), fmt(x.eventsPerSec), fmt(x.p50, 3), fmt(x.p99, 3), fmt(x.p999, 3), fmt(x.max, 2), fmt(x.endLagMs, 2), fmt(x.closeLagMs, 2), x.p99 < 1 ? "met" : "missed", x.endLagMs <= 2 ? "met" : "missed"]);
  }
  p(table(["variant", "events", "graph's emit span ms", "first event ms", "end ms", "events/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "end lag ms", "close lag ms", "p99 < 1 ms", "end ≤ 2 ms"], evRows));
  p();
  if (figures.includes("stream-event-latency.svg")) p(`![per-event latency](stream-event-latency.svg)`);
  p();

  p(`## 5. Memory`);
  p();
  p(`Read from outside the server: RSS from \`/proc/<pid>/status\` (VmRSS), V8 heap from \`bench/probe.mjs\` (preloaded; on SIGUSR2 it runs a full GC and writes \`process.memoryUsage()\`). Fresh server for each part, memory store.`);
  p();
  p(`Idle open streams: StreamRun on the \`demo\` graph with \`context.delay_ms\` = 600000 and \`on_disconnect\` continue, so each stream holds a run asleep in its first node; gRPC, ${500} streams per HTTP/2 connection. Per stream = (value − value with 0 streams) / streams; it includes the run, its events, its checkpoint and the stream.`);
  p();
  const idleRow = (what: string) => (r: (typeof R.memory.idle)[number]) => [what, fmt(r.streams), fmt(r.rssKb / 1024), fmt(r.heapUsed / 2 ** 20), fmt(r.perStreamKb, 2), fmt(r.perStreamHeapKb, 2), fmt(r.openMs), String(r.failed)];
  p(
    table(
      ["server", "open streams", "RSS MiB", "heap used MiB", "RSS KiB / stream", "heap KiB / stream", "time to open ms", "failed"],
      [...R.memory.idle.map(idleRow("agent-runs (run asleep behind each stream)")), ...R.memory.idleEcho.map(idleRow("bare echo server (stream only)"))],
    ),
  );
  p();
  p(`The bare echo server holds the same gRPC streams open on the same server stack with nothing behind them (its handler awaits a timer after the first event): the difference between the two rows is what the run itself (LangGraph execution, run record, events, checkpoint, tail loop) costs.`);
  p();
  p(`Finished runs: WaitRun on the echo graph, Connect JSON, 16 clients, in chunks of ${fmt(S.finished.chunk)}; after each chunk a full GC, then RSS.`);
  p();
  if (R.memory.finishedStopped) {
    p(`**${R.memory.finishedStopped}.** Look at "runs/s in chunk": a server that slows down as runs accumulate does not reach the target count in time.`);
    p();
  }
  p(table(["finished runs", "RSS MiB", "heap used MiB", "RSS growth MiB", "bytes / run (RSS)", "runs/s in chunk"], R.memory.finished.map((r) => [fmt(r.runs), fmt(r.rssKb / 1024), fmt(r.heapUsed / 2 ** 20), fmt((r.rssKb - (fin0?.rssKb ?? 0)) / 1024), r.runs ? fmt(((r.rssKb - (fin0?.rssKb ?? 0)) * 1024) / r.runs) : "—", fmt(r.throughput)])));
  p();
  if (figures.includes("memory-idle-streams.svg")) p(`![idle streams](memory-idle-streams.svg)`);
  p();
  if (figures.includes("memory-finished-runs.svg")) p(`![finished runs](memory-finished-runs.svg)`);
  p();
  if (figures.includes("finished-runs-throughput.svg")) p(`![throughput as runs accumulate](finished-runs-throughput.svg)`);
  p();

  p(`## 6. MongoDB store next to the memory store`);
  p();
  if (R.mongo.status === "skipped" || (R.mongo.status === "failed" && !R.mongo.wait["agent-runs grpc (mongodb)"])) {
    p(`Not measured: ${R.mongo.status}${R.mongo.error ? ` — ${R.mongo.error}` : ""}.`);
  } else {
    if (R.mongo.error) {
      p(`**Part of this section failed** (figures missing below): ${R.mongo.error.split("\n")[0]}`);
      p();
    }
    p(`MongoDB is \`mongo-java-server\` (in-memory backend) started by \`test/mongo-server/server.ts\` — the project's test server, not a production \`mongod\`; absolute MongoDB numbers mostly measure it, and it slows down as its collections grow (compare the repetitions in results.json). agent-runs runs with \`--mongodb-uri\`. ListRunMessages: one thread is filled with message rows by WaitRuns of the echo graph whose input carries ${fmt(S.mongo.seedChunk)} messages each, up to ${S.mongo.seed.map((n) => fmt(n)).join(" and ")} rows; at each size the latest run's messages are paged (limit 50), p50 over up to ${S.mongo.listReps} sequential calls (at most ${QUICK ? 1.5 : 3} s) per repetition.`);
    p();
    const rows: string[][] = [];
    for (const c of [1, 16]) {
      const mem = waitCell("agent-runs grpc", c)?.median;
      const mon = R.mongo.wait["agent-runs grpc (mongodb)"]?.[String(c)]?.median;
      rows.push([`WaitRun gRPC x${c}: runs/s`, fmt(mem?.throughput), fmt(mon?.throughput), fmtRatio(ratio(mon?.throughput, mem?.throughput))]);
      rows.push([`WaitRun gRPC x${c}: p50 ms`, fmt(mem?.p50, 2), fmt(mon?.p50, 2), fmtRatio(ratio(mon?.p50, mem?.p50))]);
    }
    const em = R.mongo.events["memory"]?.median;
    const eo = R.mongo.events["mongodb"]?.median;
    rows.push([`StreamRun ${fmt(S.mongo.events)} events: events/s written and delivered`, fmt(em?.eventsPerSec), fmt(eo?.eventsPerSec), fmtRatio(ratio(eo?.eventsPerSec, em?.eventsPerSec))]);
    rows.push([`StreamRun ${fmt(S.mongo.events)} events: per-event p99 ms`, fmt(em?.p99, 2), fmt(eo?.p99, 2), fmtRatio(ratio(eo?.p99, em?.p99))]);
    for (const n of S.mongo.seed) {
      const sm = R.mongo.seed["memory"]?.[String(n)];
      const so = R.mongo.seed["mongodb"]?.[String(n)];
      const rate = (x: typeof sm) => (x ? (x.messages / x.elapsedMs) * 1000 : null);
      rows.push([`thread filled to ${fmt(n)} messages (runs of ${fmt(S.mongo.seedChunk)}): message rows written/s`, fmt(rate(sm)), fmt(rate(so)), fmtRatio(ratio(rate(so), rate(sm)))]);
      const lm = R.mongo.list["memory"]?.[String(n)];
      const lo = R.mongo.list["mongodb"]?.[String(n)];
      rows.push([`ListRunMessages, thread of ${fmt(n)}: latest run's last page (limit 50) p50 ms`, fmt(lm?.lastPage.median.ttfeP50, 2), fmt(lo?.lastPage.median.ttfeP50, 2), fmtRatio(ratio(lo?.lastPage.median.ttfeP50, lm?.lastPage.median.ttfeP50))]);
      rows.push([`ListRunMessages, thread of ${fmt(n)}: middle page (after_seq) p50 ms`, fmt(lm?.middlePage.median.ttfeP50, 2), fmt(lo?.middlePage.median.ttfeP50, 2), fmtRatio(ratio(lo?.middlePage.median.ttfeP50, lm?.middlePage.median.ttfeP50))]);
    }
    p(table(["figure", "memory", "mongodb", "mongodb ÷ memory"], rows));
    p();
    if (figures.includes("mongodb-vs-memory.svg")) p(`![MongoDB vs memory](mongodb-vs-memory.svg)`);
  }
  p();

  p(`## 7. Where the server spends its time (CPU profile)`);
  p();
  if (!R.profile) {
    p(QUICK ? `Skipped in quick mode.` : `Not available (see "Errors").`);
  } else {
    const pr = R.profile as ProfileSummary & { throughput?: number };
    p(`\`node --cpu-prof\` on a separate agent-runs server during WaitRun, gRPC, 16 clients (${fmt(pr.throughput)} runs/s while profiled). ${pr.windowed ? `Only samples inside the ${fmt(pr.windowMs / 1000)} s load window (marked through the probe)` : "Whole process lifetime (window marks did not line up)"}: the server was busy ${fmt(pr.busyFraction * 100)}% of one core. Self time, share of busy samples. Profile: \`${pr.file}\` (scratch, not committed).`);
    p();
    if (R.profileCeilings) for (const line of profileCostLines(R.profileCeilings)) p(line);
    p(`By package:`);
    p();
    p(table(["package / folder", "self ms", "self %"], pr.byPackage.slice(0, 15).map((r) => [r.name, fmt(r.selfMs), fmt(r.selfPct, 1)])));
    p();
    p(`Top functions:`);
    p();
    p(table(["function", "where", "self ms", "self %"], pr.topFunctions.map((r) => [`\`${r.name}\``, r.where ? `\`${r.where}\`` : "", fmt(r.selfMs), fmt(r.selfPct, 1)])));
    p();
    p(`Who calls the hottest named functions (their heaviest call path, nearest caller first, and its share of the function's self time):`);
    p();
    p(table(["function", "called from", "share"], pr.callers.map((c) => [`\`${c.name}\``, c.path.map((f) => `\`${f}\``).join(" ← "), `${fmt(c.pathPct)}%`])));
  }
  if (R.profileStream) {
    const ps = R.profileStream;
    p();
    p(`### The same server during StreamRun bursts (${PROFILED_BURSTS} × ${fmt(S.burst)} custom events, one stream at a time)`);
    p();
    p(`${ps.windowed ? `Window ${fmt(ps.windowMs)} ms` : "Whole run"}, server busy ${fmt(ps.busyFraction * 100)}% of one core.`);
    p();
    if (R.profileCeilings) for (const line of streamCostLines(R.profileCeilings)) p(line);
    p(table(["package / folder", "self ms", "self %"], ps.byPackage.slice(0, 10).map((r) => [r.name, fmt(r.selfMs), fmt(r.selfPct, 1)])));
    p();
    p(table(["function", "where", "self ms", "self %"], ps.topFunctions.map((r) => [`\`${r.name}\``, r.where ? `\`${r.where}\`` : "", fmt(r.selfMs), fmt(r.selfPct, 1)])));
    p();
    p(table(["function", "called from", "share"], ps.callers.map((c) => [`\`${c.name}\``, c.path.map((f) => `\`${f}\``).join(" ← "), `${fmt(c.pathPct)}%`])));
  }
  p();

  // Section 8 is written by hand after each profile-driven fix (before and after figures) and kept
  // in its own file, so that a rerun of the bench does not drop it.
  const history = join(BENCH, "before-after.md");
  if (existsSync(history)) {
    p(readFileSync(history, "utf8").trimEnd());
    p();
  }

  p(`## Anchors`);
  p();
  for (const kind of ["js", "py"] as const) {
    const a = R.anchors[kind];
    p(`- ${kind === "js" ? "JS (`@langchain/langgraph-cli dev`)" : "Python (`langgraph dev`, in-memory runtime)"}: **${a.status}**${a.version ? ` — ${a.version}` : ""}${a.notes.length ? `; ${a.notes.join("; ")}` : ""}${SKIP_ANCHORS ? (QUICK ? " (quick mode skips the anchors)" : " (--skip-anchors)") : ""}.`);
    if (a.error) {
      p();
      p("```");
      p(a.error.slice(0, 2500));
      p("```");
    }
  }
  p();
  p(`Both serve the same one-node graph (\`bench/echo-graph.ts\`, copied into \`bench/anchors/js\`; \`bench/anchors/py/echo_graph.py\` is its Python twin) from an in-memory dev server, offline (\`LANGSMITH_TRACING=false\`), with their default \`--n-jobs-per-worker\` (10) and logging turned down (JS \`LOG_LEVEL=warn\`, Python \`--server-log-level WARNING\`). Runs are stateless (POST /runs/wait and /runs/stream without a thread). Their runs go through a queue polled by background workers, which is where most of their serial latency comes from (the JS server's worker sleeps a random 0–1 s when its queue is empty: \`@langchain/langgraph-api/dist/queue.mjs\`).`);
  p();
  p(`## Machine load during the run`);
  p();
  p(`From \`/proc/stat\` (whole machine: user + system + steal; interrupt time, where loopback traffic is processed, is charged to no process and left out) and \`/proc/<pid>/stat\` of this bench's processes (its own group and each child's group, reaped children included); "other" is what the rest of the machine used.`);
  p();
  p(table(["section", "wall s", "machine busy cores", "this bench cores", "other processes cores"], R.load.map((l) => [l.section, fmt(l.wallSec), fmt(l.machineCores, 2), fmt(l.benchCores, 2), fmt(l.otherCores, 2)])));
  p();
  if (R.errors.length) {
    p(`## Errors`);
    p();
    for (const e of R.errors) {
      p(`### ${e.section}`);
      p();
      p("```");
      p(e.error.slice(0, 3000));
      p("```");
      p();
    }
  }
  return lines.join("\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  mkdirSync(SCRATCH, { recursive: true });
  log(`agent-runs bench: ${QUICK ? "QUICK (smoke check: 1 repetition, short windows, anchors skipped)" : `full, ${REPS} repetitions`}; output ${relative(process.cwd(), OUT) || "."}`);
  if (SKIP_ANCHORS) log(QUICK ? "anchors: skipped in quick mode" : "anchors: skipped (--skip-anchors)");
  let anchorSetupError: string | null = null;
  if (!SKIP_ANCHORS) anchorSetupError = setupAnchors();
  R.meta = { mode: QUICK ? "quick" : "full", reps: REPS, startedAt: new Date(STARTED).toISOString(), settings: S, machine: machine(), source: sourceVersion() };

  log("starting servers (agent-runs x3 fresh, echo) and the load worker ...");
  const [main, echo, idleServer, idleEcho, finishedServer, worker] = await Promise.all([
    startAgentRuns("agent-runs"),
    startNodeServer("echo", "bench/echo-server.ts", ["0"]),
    startAgentRuns("agent-runs-idle-streams"),
    startNodeServer("echo-idle-streams", "bench/echo-server.ts", ["0"]),
    startAgentRuns("agent-runs-finished-runs"),
    Worker.start(),
  ]);
  log(`   agent-runs ${main.url} (pid ${main.pid}), echo ${echo.url}`);

  if (want("wait")) await section("WaitRun matrix (memory store, fresh server per protocol and repetition)", () => waitMatrix(worker));
  if (want("echo")) await section("ceiling: bare connect-node unary echo", () => echoCeiling(worker, echo));
  if (want("invoke")) await section("ceiling: in-process graph.invoke", () => invokeCeiling(worker));
  if (want("stream")) await section("StreamRun time to first event / end", () => streamTiming(worker, main));
  if (want("events")) await section("StreamRun custom events (agent-runs and echo ceiling)", () => streamEvents(worker, main, echo));
  if (want("list")) await section("ListRunMessages on the memory store", () => seedAndList(worker, "memory", main));
  if (want("profile") && S.profile) await section("CPU profile (WaitRun gRPC x16, StreamRun burst)", () => profileRun(worker));
  if (want("mongo")) await section("MongoDB store", () => mongoSection(worker, main, echo));
  await main.stop();
  await echo.stop();
  if (want("idle")) await section("memory: idle open streams", () => memoryIdle(worker, idleServer, "agent-runs", S.idle));
  await idleServer.stop();
  if (want("idle")) await section("memory: idle open streams on the bare echo server", () => memoryIdle(worker, idleEcho, "echo-server", [S.idle[S.idle.length - 1]!]));
  await idleEcho.stop();
  if (want("finished")) await section("memory: finished runs", () => memoryFinished(worker, finishedServer));
  await finishedServer.stop();

  if (!SKIP_ANCHORS) {
    for (const kind of ["js", "py"] as const) {
      if (anchorSetupError && !existsSync(join(BENCH, "anchors", kind, kind === "js" ? "node_modules/.bin/langgraphjs" : ".venv/bin/langgraph"))) {
        R.anchors[kind].status = "failed";
        R.anchors[kind].error = `bench/anchors/setup.sh failed:\n${anchorSetupError}`;
        R.errors.push({ section: `${kind} anchor`, error: R.anchors[kind].error! });
        continue;
      }
      await section(`${kind === "js" ? "JS" : "Python"} LangGraph server (anchor)`, () => anchorSection(worker, kind));
    }
  }
  await worker.stop();

  const durationSec = (Date.now() - STARTED) / 1000;
  (R.meta as Record<string, unknown>)["durationSec"] = durationSec;
  (R.meta as Record<string, unknown>)["quiet"] = quietStats;
  const figures = writeFigures();
  writeFileSync(join(OUT, "results.json"), JSON.stringify(R, (_k, v) => (typeof v === "bigint" ? String(v) : v), 2) + "\n");
  writeFileSync(join(OUT, "RESULTS.md"), report(figures, durationSec));
  log(`done in ${fmt(durationSec)} s: ${relative(process.cwd(), join(OUT, "RESULTS.md"))}, results.json, ${figures.join(", ")}`);
  if (QUICK && durationSec > 60) log(`WARNING: quick mode took ${fmt(durationSec)} s (budget 60 s)`);
  if (R.errors.length) {
    log(`${R.errors.length} section(s) failed: ${R.errors.map((e) => e.section).join("; ")}`);
    // An anchor that cannot be installed or started is recorded, not fatal.
    if (R.errors.some((e) => !/anchor/i.test(e.section))) process.exitCode = 1;
  }
}

main().then(
  () => {
    cleanup();
    process.exit(process.exitCode ?? 0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    cleanup();
    process.exit(1);
  },
);
