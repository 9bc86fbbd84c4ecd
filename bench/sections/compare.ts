// `--only compare --before-dir DIR [--after-dir DIR] [--rounds N]`: two checkouts of agent-runs
// (e.g. the commit before a restructuring and the current one) measured in one run, alternating
// before, after, before, after ... for N rounds, each on fresh servers started the way every other
// section starts agent-runs (harness/server.ts), with the same load process. Each round measures,
// per side: WaitRun at 16 clients and serially over gRPC and Connect JSON (runs/s, p50, and server
// CPU per run from /proc), StreamRun time to first event and to end (both protocols), and the
// custom-event stream (paced: end lag and per-event p99; a burst: end, events/s, server CPU).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fmt, type Protocol, type StreamEventsResult, type StreamTimingResult } from "../lib.js";
import { AFTER_DIR, BEFORE_DIR, JIT_WARMUP_MS, log, ROUNDS, S } from "../harness/config.js";
import { command } from "../harness/machine.js";
import { loopOn, quiet } from "../harness/measure.js";
import { cpuAccount } from "../harness/processes.js";
import { R, type Sample } from "../harness/results.js";
import { startAgentRuns, type Server } from "../harness/server.js";
import type { Worker } from "../harness/worker.js";

type Metrics = Record<string, number>;
const PROTOCOL_KEY: Record<string, string> = { grpc: "grpc", "connect-json": "json" };

/** A measurement during which other processes used more cores than this is taken again ... */
export const MAX_OTHER_CORES = 0.2;
/** ... at most this many times in all; the least disturbed attempt counts. */
export const ATTEMPTS = 2;

/** Cores the rest of the machine used during `fn` (its busy time minus this bench's), with fn's value. */
async function otherCoresDuring<T>(fn: () => Promise<T>): Promise<{ value: T; other: number }> {
  const a0 = cpuAccount();
  const t0 = performance.now();
  const value = await fn();
  const a1 = cpuAccount();
  return { value, other: Math.max(0, (a1.busy - a0.busy - (a1.ours - a0.ours)) / ((performance.now() - t0) / 1000)) };
}

/**
 * `fn` again while other processes disturbed it (this machine is shared with test suites, which
 * start at any time: waiting for a quiet machine before a window does not keep one quiet during it).
 * Counts retries and the worst accepted disturbance in `m`.
 */
async function undisturbed<T>(m: Metrics, label: string, fn: () => Promise<T>): Promise<T> {
  let best: { value: T; other: number } | null = null;
  for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
    if (attempt > 1) await quiet();
    const r = await otherCoresDuring(fn);
    if (!best || r.other < best.other) best = r;
    if (r.other < MAX_OTHER_CORES) break;
    m["load.retries"] = (m["load.retries"] ?? 0) + 1;
    log(`   (${label}: other processes used ${fmt(r.other, 2)} cores during it${attempt < ATTEMPTS ? "; again" : "; keeping the least disturbed attempt"})`);
  }
  m["load.worstCellOtherCores"] = Math.max(m["load.worstCellOtherCores"] ?? 0, best!.other);
  return best!.value;
}

function describeSide(dir: string): { dir: string; rev: string | null; dirtySrc: boolean } {
  if (!existsSync(join(dir, "src/main.ts")) || !existsSync(join(dir, "bench/langgraph.json"))) {
    throw new Error(`${dir}: not an agent-runs checkout (needs src/main.ts and bench/langgraph.json, and node_modules, e.g. a symlink to this repository's)`);
  }
  const rev = command("git", ["-C", dir, "rev-parse", "--short=7", "HEAD"]);
  const status = command("git", ["-C", dir, "status", "--porcelain", "--", "src", "gen", "package.json"]);
  return { dir, rev, dirtySrc: Boolean(status) };
}

/** Server CPU ms per completed request of a loop (its cores include the loop's own warm-up at the same load). */
const cpuMsPerRun = (r: Sample): number => ((r.serverCpu ?? NaN) / r.throughput) * 1000;

/** WaitRun x16 and x1 and the StreamRun timing on one fresh, warmed server for `protocol`. */
async function waitAndTiming(worker: Worker, server: Server, protocol: Protocol, m: Metrics, label: string): Promise<void> {
  const p = PROTOCOL_KEY[protocol]!;
  const task = { kind: "wait" as const, url: server.url, protocol, assistantId: "echo" };
  await worker.run({ ...task, concurrency: 16, warmupMs: JIT_WARMUP_MS, durationMs: 100 });
  const x16 = await undisturbed(m, `${label} ${protocol} x16`, () => loopOn(worker, server, { ...task, concurrency: 16, ...S.compare.wait }));
  const x1 = await undisturbed(m, `${label} ${protocol} x1`, () => loopOn(worker, server, { ...task, concurrency: 1, ...S.compare.serial }));
  for (const [c, r] of [["16", x16], ["1", x1]] as const) {
    m[`wait.${p}.${c}.throughput`] = r.throughput;
    m[`wait.${p}.${c}.p50`] = r.latency.p50;
    m[`wait.${p}.${c}.cpuMs`] = cpuMsPerRun(r);
    m[`wait.${p}.${c}.errors`] = r.errors;
  }
  await quiet();
  const t = await undisturbed(m, `${label} ${protocol} StreamRun`, () =>
    worker.run<StreamTimingResult>({ kind: "stream-ttfe", url: server.url, protocol, assistantId: "echo", ...S.compare.streamTiming }),
  );
  m[`stream.${p}.ttfe`] = t.ttfe.p50;
  m[`stream.${p}.tte`] = t.tte.p50;
  m[`stream.${p}.errors`] = t.errors;
  log(
    `   ${label} ${protocol}: WaitRun x16 ${fmt(x16.throughput)}/s p50 ${fmt(x16.latency.p50, 2)} ms, ${fmt(m[`wait.${p}.16.cpuMs`], 3)} CPU ms/run; ` +
      `x1 p50 ${fmt(x1.latency.p50, 2)} ms, ${fmt(m[`wait.${p}.1.cpuMs`], 3)} CPU ms/run; StreamRun first ${fmt(t.ttfe.p50, 2)} ms, end ${fmt(t.tte.p50, 2)} ms` +
      (x16.errors + x1.errors + t.errors ? ` ERRORS ${x16.errors + x1.errors + t.errors} (${x16.firstError ?? x1.firstError ?? t.firstError})` : ""),
  );
}

/** The emit graph over gRPC: 1,000 events 1 ms apart (end lag, per-event p99) and a 10,000-event burst (with server CPU). */
async function customEvents(worker: Worker, server: Server, m: Metrics, label: string): Promise<void> {
  const task = { kind: "stream-events" as const, url: server.url, protocol: "grpc" as Protocol, target: "agent-runs" as const };
  await worker.run({ ...task, count: 200, intervalMs: S.paced.intervalMs });
  await worker.run({ ...task, count: 1000, intervalMs: 0 });
  await quiet();
  const paced = await undisturbed(m, `${label} paced`, () => worker.run<StreamEventsResult>({ ...task, count: S.paced.count, intervalMs: S.paced.intervalMs }));
  await quiet();
  const { burst, cpuMs } = await undisturbed(m, `${label} burst`, async () => {
    const cpu0 = server.cpuSeconds();
    const r = await worker.run<StreamEventsResult>({ ...task, count: S.burst, intervalMs: 0 });
    return { burst: r, cpuMs: (server.cpuSeconds() - cpu0) * 1000 };
  });
  m["events.paced.endLag"] = paced.endLagMs;
  m["events.paced.p99"] = paced.latency.p99;
  m["events.burst.tte"] = burst.tteMs;
  m["events.burst.eventsPerSec"] = burst.eventsPerSec;
  m["events.burst.cpuMsPer1k"] = cpuMs / (S.burst / 1000);
  m["events.missing"] = paced.count - paced.received + (burst.count - burst.received);
  log(
    `   ${label} events: paced end lag ${fmt(paced.endLagMs, 2)} ms p99 ${fmt(paced.latency.p99, 2)} ms; burst end ${fmt(burst.tteMs)} ms, ` +
      `${fmt(burst.eventsPerSec)} ev/s, ${fmt(m["events.burst.cpuMsPer1k"], 2)} CPU ms per 1k events`,
  );
}

/** One side of one round: a fresh server per protocol (each JIT-warmed), as in section 1. */
async function measureSide(worker: Worker, side: string, dir: string, round: number): Promise<Metrics> {
  const m: Metrics = {};
  const label = `round ${round} ${side}`;
  for (const protocol of ["grpc", "connect-json"] as Protocol[]) {
    const server = await startAgentRuns(`compare-${side}-${round}-${protocol}`, [], [], dir);
    try {
      await waitAndTiming(worker, server, protocol, m, label);
      if (protocol === "grpc") await customEvents(worker, server, m, label);
    } finally {
      await server.stop();
    }
  }
  return m;
}

/** `afterEach`: called once each side of each round is in R.compare (the report is rewritten, so a cut-short run keeps its rounds). */
export async function compareRun(worker: Worker, afterEach: () => void = () => {}): Promise<void> {
  if (!BEFORE_DIR) throw new Error("--only compare needs --before-dir DIR (a checkout of the older commit, e.g. a git worktree, with node_modules)");
  const sides = { before: describeSide(BEFORE_DIR), after: describeSide(AFTER_DIR) };
  for (const [key, s] of Object.entries(sides)) log(`   ${key}: ${s.dir} at ${s.rev ?? "?"}${s.dirtySrc ? " (src/ has uncommitted changes)" : ""}`);
  const order = ["before", "after"] as const;
  R.compare = { sides, order: [...order], rounds: [] };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const side of order) {
      const { value: metrics, other } = await otherCoresDuring(() => measureSide(worker, side, sides[side].dir, round));
      metrics["load.otherCores"] = other;
      R.compare.rounds.push({ round, side, metrics });
      afterEach();
    }
  }
}
