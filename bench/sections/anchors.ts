// The anchors: the LangGraph JS and Python dev servers, installed by bench/anchors/setup.sh, on
// the same one-node graph; their POST /runs/wait and /runs/stream series join sections 1 and 3.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, openSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fmt, fmtRatio, ratio, sleep, type LoopResult, type StreamTimingResult } from "../lib.js";
import { BENCH, CONCURRENCY, log, QUICK, REPS, ROOT, S, SCRATCH, SKIP_ANCHORS } from "../harness/config.js";
import { command, pkgVersion } from "../harness/machine.js";
import { describeLoop, quiet, section } from "../harness/measure.js";
import { children, groupCpuSeconds, stopChild } from "../harness/processes.js";
import { cellsOf, R, timingOf, waitCell, type Sample } from "../harness/results.js";
import type { Worker } from "../harness/worker.js";
import { freePort } from "../../test/helpers/ports.js";

type Kind = "js" | "py";
type Anchor = { child: ChildProcess; url: string; logFile: string };
const binOf = (kind: Kind) => join(BENCH, "anchors", kind, kind === "js" ? "node_modules/.bin/langgraphjs" : ".venv/bin/langgraph");

async function untilReady(kind: Kind, child: ChildProcess, url: string, logFile: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${kind} anchor exited (${child.signalCode ?? child.exitCode}) before it was ready:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
    }
    try {
      const res = await fetch(`${url}/ok`);
      if (res.ok) return;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stopChild(child);
      throw new Error(`${kind} anchor not ready within 120 s:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
    }
    await sleep(250);
  }
}

async function startAnchor(kind: Kind): Promise<Anchor> {
  const port = await freePort();
  const dir = join(BENCH, "anchors", kind);
  const logFile = join(SCRATCH, `anchor-${kind}.log`);
  const bin = binOf(kind);
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
  const fd = openSync(logFile, "w");
  const child = spawn(bin, args, { cwd: dir, env, stdio: ["ignore", fd, fd], detached: true });
  children.add(child);
  const url = `http://127.0.0.1:${port}`;
  await untilReady(kind, child, url, logFile);
  return { child, url, logFile };
}

/** A server answering POST /runs/wait and /runs/stream: an anchor, or agent-runs' own HTTP API (sections/http-api.ts). */
export interface HttpTarget {
  /** The series key in R.wait and R.streamTiming, and the log label. */
  key: string;
  url: string;
  /** Its process group, for server CPU. */
  pid: number;
}

export type HttpPlan = NonNullable<typeof S.anchors>;

export async function httpWaitSeries(worker: Worker, target: HttpTarget, plan: HttpPlan, concurrencies: number[] = CONCURRENCY): Promise<void> {
  // A first run compiles/loads the graph.
  await worker.run({ kind: "http-wait", url: target.url, assistantId: "echo", concurrency: 1, warmupMs: 0, durationMs: 0, count: 2 });
  const reps: Record<string, Sample[]> = {};
  const pgid = target.pid;
  for (let rep = 0; rep < REPS; rep++) {
    for (const concurrency of concurrencies) {
      await quiet();
      const cpu0 = groupCpuSeconds(pgid);
      const t = performance.now();
      const r = await worker.run<LoopResult>({ kind: "http-wait", url: target.url, assistantId: "echo", concurrency, warmupMs: plan.warmupMs, durationMs: plan.durationMs[concurrency] ?? 5000 });
      const cell = { ...r, serverCpu: (groupCpuSeconds(pgid) - cpu0) / ((performance.now() - t) / 1000) };
      describeLoop(`rep ${rep + 1} ${target.key} POST /runs/wait x${concurrency}`, cell);
      (reps[concurrency] ??= []).push(cell);
    }
  }
  R.wait[target.key] = cellsOf(reps);
}

export async function httpStreamSeries(worker: Worker, target: HttpTarget, plan: HttpPlan): Promise<void> {
  const timing: StreamTimingResult[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    await quiet();
    const r = await worker.run<StreamTimingResult>({ kind: "http-stream", url: target.url, assistantId: "echo", reps: plan.streamReps, warmup: 2 });
    log(`   rep ${rep + 1} ${target.key} POST /runs/stream: first event p50 ${fmt(r.ttfe.p50)} ms, end p50 ${fmt(r.tte.p50)} ms${r.errors ? ` errors ${r.errors} (${r.firstError})` : ""}`);
    timing.push(r);
  }
  R.streamTiming[target.key] = timingOf(timing);
}

async function anchorSection(worker: Worker, kind: Kind): Promise<void> {
  const info = R.anchors[kind];
  const plan = S.anchors;
  if (!plan) return;
  info.version =
    kind === "js"
      ? `@langchain/langgraph-api ${pkgVersion(join(BENCH, "anchors/js/node_modules/@langchain/langgraph-api/package.json")) ?? "?"}`
      : (command(join(BENCH, "anchors/py/.venv/bin/python"), ["-c", "import importlib.metadata as m; print('langgraph-api', m.version('langgraph-api'))"]) ?? null);
  let anchor: Anchor | null = null;
  try {
    const t0 = Date.now();
    anchor = await startAnchor(kind);
    info.notes.push(`started in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const target = { key: `${kind}-anchor`, url: anchor.url, pid: anchor.child.pid! };
    await httpWaitSeries(worker, target, plan);
    await httpStreamSeries(worker, target, plan);
    info.status = "measured";
  } catch (error) {
    info.status = "failed";
    info.error = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    if (anchor) await stopChild(anchor.child);
  }
}

/** Runs bench/anchors/setup.sh (idempotent); null when it succeeded, else the tail of its output. */
export function setupAnchors(): string | null {
  log("   bench/anchors/setup.sh (idempotent) ...");
  const r = spawnSync("bash", [join(BENCH, "anchors/setup.sh")], { encoding: "utf8", timeout: 15 * 60_000 });
  const out = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim();
  for (const line of out.split("\n").slice(-6)) log(`   | ${line}`);
  return r.status === 0 ? null : out.slice(-3000) || `exit ${r.status}`;
}

/** Both anchors, each as its own section; an anchor that setup.sh did not install is recorded as failed. */
export async function runAnchors(worker: Worker, setupError: string | null): Promise<void> {
  for (const kind of ["js", "py"] as const) {
    if (setupError && !existsSync(binOf(kind))) {
      R.anchors[kind].status = "failed";
      R.anchors[kind].error = `bench/anchors/setup.sh failed:\n${setupError}`;
      R.errors.push({ section: `${kind} anchor`, error: R.anchors[kind].error! });
      continue;
    }
    await section(`${kind === "js" ? "JS" : "Python"} LangGraph server (anchor)`, () => anchorSection(worker, kind));
  }
}

function anchorHeadline(kind: Kind, name: string): string {
  const g16 = waitCell("agent-runs grpc", 16)?.median;
  const g1 = waitCell("agent-runs grpc", 1)?.median;
  const a16 = waitCell(`${kind}-anchor`, 16)?.median;
  const a1 = waitCell(`${kind}-anchor`, 1)?.median;
  const info = R.anchors[kind];
  if (!a16 && !a1) return `- ${name}: ${info.status}${info.error ? ` (${info.error.split("\n")[0]})` : ""}.`;
  return `- vs the ${name} (POST /runs/wait): 16 clients ${fmt(a16?.throughput)} runs/s (agent-runs **${fmtRatio(ratio(g16?.throughput, a16?.throughput))}**), serial p50 ${fmt(a1?.p50)} ms (agent-runs **${fmtRatio(ratio(a1?.p50, g1?.p50))}** lower).`;
}

export function anchorsHeadline(): string[] {
  return [anchorHeadline("js", "LangGraph JS server"), anchorHeadline("py", "LangGraph Python server")];
}

export function anchorsReport(): string[] {
  const out = [`## Anchors`, ``];
  for (const kind of ["js", "py"] as const) {
    const a = R.anchors[kind];
    out.push(`- ${kind === "js" ? "JS (`@langchain/langgraph-cli dev`)" : "Python (`langgraph dev`, in-memory runtime)"}: **${a.status}**${a.version ? ` — ${a.version}` : ""}${a.notes.length ? `; ${a.notes.join("; ")}` : ""}${SKIP_ANCHORS ? (QUICK ? " (quick mode skips the anchors)" : " (--skip-anchors)") : ""}.`);
    if (a.error) out.push(``, "```", a.error.slice(0, 2500), "```");
  }
  out.push(
    ``,
    `Both serve the same one-node graph (\`bench/echo-graph.ts\`, copied into \`bench/anchors/js\`; \`bench/anchors/py/echo_graph.py\` is its Python twin) from an in-memory dev server, offline (\`LANGSMITH_TRACING=false\`), with their default \`--n-jobs-per-worker\` (10) and logging turned down (JS \`LOG_LEVEL=warn\`, Python \`--server-log-level WARNING\`). Runs are stateless (POST /runs/wait and /runs/stream without a thread). Their runs go through a queue polled by background workers, which is where most of their serial latency comes from (the JS server's worker sleeps a random 0–1 s when its queue is empty: \`@langchain/langgraph-api/dist/queue.mjs\`).`,
    ``,
  );
  return out;
}
