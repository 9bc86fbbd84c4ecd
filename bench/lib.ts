// Shared by the bench orchestrator (run.ts) and its load worker (load.ts):
// statistics, the task/result shapes exchanged over IPC, and small helpers.
import { readFileSync } from "node:fs";

/** Latency summary in milliseconds. */
export interface LatencySummary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  // Nearest-rank on an ascending array.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    n: sorted.length,
    min: sorted.length ? sorted[0]! : NaN,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    p999: percentile(sorted, 99.9),
    max: sorted.length ? sorted[sorted.length - 1]! : NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

/** Quantiles 0..100 (step 1) plus 99.9, for CDF-style plots. */
export function quantileCurve(values: ArrayLike<number>): Array<[number, number]> {
  const sorted = Float64Array.from(values as ArrayLike<number>).sort();
  const out: Array<[number, number]> = [];
  if (sorted.length === 0) return out;
  for (let p = 1; p <= 100; p++) out.push([p, percentile(sorted, p)]);
  out.splice(99, 0, [99.9, percentile(sorted, 99.9)]);
  return out;
}

export function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes on one host. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export type Protocol = "grpc" | "connect-json" | "connect-binary";
export const PROTOCOLS: Protocol[] = ["grpc", "connect-json", "connect-binary"];
export const PROTOCOL_LABEL: Record<Protocol, string> = {
  grpc: "gRPC (h2c)",
  "connect-json": "Connect JSON (HTTP/1.1)",
  "connect-binary": "Connect binary (HTTP/1.1)",
};

/** Closed-loop load: `concurrency` clients, each issuing its next request when the last one ended. */
export interface LoopShape {
  concurrency: number;
  warmupMs: number;
  /** Measurement window; ignored when `count` is set. */
  durationMs: number;
  /** Stop after this many measured requests instead of after durationMs. */
  count?: number;
}

export type Task =
  | ({ kind: "wait"; url: string; protocol: Protocol; assistantId: string } & LoopShape)
  | ({ kind: "http-wait"; url: string; assistantId: string } & LoopShape)
  | ({ kind: "echo-unary"; url: string; protocol: Protocol } & LoopShape)
  | ({ kind: "invoke" } & LoopShape)
  | { kind: "http-stream"; url: string; assistantId: string; reps: number; warmup: number }
  | { kind: "stream-ttfe"; url: string; protocol: Protocol; assistantId: string; reps: number; warmup: number }
  | {
      kind: "stream-events";
      url: string;
      protocol: Protocol;
      /**
       * "emit" on agent-runs; "echo-stream" on the bare echo server (same
       * payloads); "graph": the emit graph in the load process itself, read the
       * way agent-runs reads it (url and protocol unused).
       */
      target: StreamTarget;
      count: number;
      intervalMs: number;
    }
  | {
      kind: "idle-open";
      url: string;
      /** agent-runs: demo-graph runs asleep in their first node; echo-server: a bare stream that waits after its first event. */
      target: "agent-runs" | "echo-server";
      count: number;
      perConnection: number;
      parallel: number;
    }
  | { kind: "idle-close" }
  /** One WaitRun of the echo graph whose input carries `count` messages (stored as message rows), on `threadId` if given. */
  | { kind: "seed-messages"; url: string; count: number; threadId?: string }
  | {
      kind: "list-messages";
      url: string;
      runId: string;
      /** At most this many measured calls ... */
      reps: number;
      /** ... and no more calls once this much time has passed (at least 10 are made). */
      maxMs: number;
      afterSeq?: number;
    };

export interface LoopResult {
  kind: "loop";
  completed: number;
  errors: number;
  firstError: string | null;
  elapsedMs: number;
  throughput: number;
  latency: LatencySummary;
  /** Load-generator CPU use during the window, as a fraction of one core. */
  clientCpu: number;
  /** The measured window on CLOCK_MONOTONIC, µs (the clock of V8's CPU profiles), to window a profile of this process. */
  windowUs: [number, number];
  /** CPU time of this process's main thread during the window, ms (Linux; null elsewhere). */
  mainThreadCpuMs: number | null;
}

export interface StreamTimingResult {
  kind: "stream-timing";
  ttfe: LatencySummary;
  tte: LatencySummary;
  errors: number;
  firstError: string | null;
}

export interface StreamEventsResult {
  kind: "stream-events";
  count: number;
  received: number;
  ttfeMs: number;
  tteMs: number;
  /** Receive time of the `end` event minus the emit time of the last custom event. */
  endLagMs: number;
  /** Stream closed (iterator done) minus emit time of the last custom event. */
  closeLagMs: number;
  /** Last emit time minus first emit time: how long the graph itself took to write them. */
  emitSpanMs: number;
  /** Custom events per second, first request byte to last event. */
  eventsPerSec: number;
  latency: LatencySummary;
  curve: Array<[number, number]>;
}

export interface IdleOpenResult {
  kind: "idle-open";
  opened: number;
  failed: number;
  firstError: string | null;
  elapsedMs: number;
}

export interface SeedResult {
  kind: "seed";
  runId: string;
  threadId: string;
  count: number;
  elapsedMs: number;
  /** The run's first and last message seq (thread-wide numbering). */
  firstSeq: number;
  lastSeq: number;
}

/**
 * The V8 flags `npm start` runs the service with (package.json): every Node
 * process of ours in the bench (agent-runs, the echo server, the load worker
 * with the in-process ceilings) gets them; the LangGraph servers keep theirs.
 */
export const SERVICE_NODE_FLAGS = ["--max-semi-space-size=64"];

export type StreamTarget = "agent-runs" | "echo-server" | "graph";

export type TaskResult = LoopResult | StreamTimingResult | StreamEventsResult | IdleOpenResult | SeedResult | { kind: "ok" };

export function fmt(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "—";
  if (Number.isInteger(value) || Math.abs(value) >= 1000) return Math.round(value).toLocaleString("en-US");
  if (Math.abs(value) >= 100) return value.toFixed(Math.max(0, digits - 1));
  if (Math.abs(value) >= 1) return value.toFixed(digits);
  return value.toPrecision(2);
}

export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return a / b;
}

export function fmtRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return "—";
  if (r >= 100) return `${Math.round(r)}×`;
  if (r >= 10) return `${r.toFixed(1)}×`;
  return `${r.toFixed(2)}×`;
}

/** Fields of /proc/<entry>/stat after the command name ([0] is field 3, state); entry is a pid, "self" or "<pid>/task/<tid>". */
export function statFields(entry: number | string): string[] | null {
  try {
    const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** CPU time (user + system) one thread of a process has used, ms; null where /proc cannot tell (10 ms resolution). */
export function threadCpuMs(pid: number, tid = pid): number | null {
  const fields = statFields(`${pid}/task/${tid}`);
  // utime is field 14, stime 15, in USER_HZ (100/s) ticks.
  return fields ? (Number(fields[11]) + Number(fields[12])) * 10 : null;
}
