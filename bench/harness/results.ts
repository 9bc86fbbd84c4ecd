// R: everything the run measured (written to results.json), the cell shapes with their medians,
// and the lookups the report shares.
import { median, type LoopResult, type SeedResult, type StreamEventsResult, type StreamTimingResult } from "../lib.js";
import type { ProfileSummary } from "../profile.js";
import type { HardeningResults } from "../sections/hardening.js";
import type { BoundsResults } from "../sections/hardening-client.js";
import type { CommandsCase } from "../sections/mongo-commands.js";
import type { LatencyRow } from "../sections/mongo-latency.js";
import type { CrossReplicaResult } from "../sections/cross-replica.js";
import type { RollingRestartCase } from "../sections/rolling-restart.js";
import type { PageTimes } from "../sections/resource-pages.js";
import type { StartupCase } from "../sections/startup.js";
import type { TracingResults } from "../sections/tracing.js";
import type { WebhookLatency } from "../sections/webhooks.js";

/** One measured loop, with the server's CPU over it (cores; null without a server). */
export type Sample = LoopResult & { serverCpu: number | null };

export interface Cell {
  reps: Sample[];
  median: { throughput: number; p50: number; p99: number; serverCpu: number | null; clientCpu: number; errors: number; firstError: string | null };
}

export function cellOf(reps: Sample[]): Cell {
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

/** Repetitions by concurrency, as cells: { "16": cell, ... }. */
export function cellsOf(byConcurrency: Record<string, Sample[]>): Record<string, Cell> {
  const cells: Record<string, Cell> = {};
  for (const [c, list] of Object.entries(byConcurrency)) cells[c] = cellOf(list);
  return cells;
}

export interface TimingCell {
  reps: StreamTimingResult[];
  median: { ttfeP50: number; ttfeP99: number; tteP50: number; tteP99: number; errors: number; firstError: string | null };
}

export function timingOf(reps: StreamTimingResult[]): TimingCell {
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

export interface EventsCell {
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

export function eventsOf(reps: StreamEventsResult[]): EventsCell {
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

export interface AnchorInfo {
  status: "measured" | "skipped" | "failed";
  version: string | null;
  error: string | null;
  notes: string[];
}

/** A profile windowed on one measured loop, and how many requests (or events) completed in it. */
export interface ProfiledLoop {
  summary: ProfileSummary;
  completed: number;
  /** The profiled main thread's CPU time in the window (/proc), ms: what the profile's wall-clock samples are scaled to. */
  mainThreadCpuMs: number | null;
}

/** WaitRun and StreamRun bursts on agent-runs, next to their ceilings under the same load. */
export interface ProfiledCeilings {
  wait: ProfiledLoop;
  echo: ProfiledLoop;
  invoke: ProfiledLoop;
  stream: ProfiledLoop;
  echoStream: ProfiledLoop;
}

/** Memory after N idle open streams (row 0: the empty server). */
export interface IdleRow {
  streams: number;
  rssKb: number;
  heapUsed: number;
  external: number;
  openMs: number;
  failed: number;
  perStreamKb: number | null;
  perStreamHeapKb: number | null;
}

export const R = {
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
    idleEcho: [] as IdleRow[],
    idle: [] as IdleRow[],
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
  /** `--only compare`: two checkouts measured alternately (sections/compare.ts); per round and side, each figure. */
  compare: null as null | {
    sides: Record<string, { dir: string; rev: string | null; dirtySrc: boolean }>;
    order: string[];
    rounds: Array<{ round: number; side: string; metrics: Record<string, number> }>;
  },
  /** Section 9: issue 15's cancellation, SIGTERM and Health Watch figures (sections/hardening.ts). */
  hardening: null as null | HardeningResults,
  /** Section 9's bounds part: issue 15 items 4, 12 and 13 (sections/hardening-bounds.ts, hardening-fanout.ts). */
  hardeningBounds: null as null | BoundsResults,
  /** Section 10: MongoDB commands per run (sections/mongo-commands.ts). */
  mongoCommands: [] as CommandsCase[],
  /** Section 10: WaitRun / StreamRun with latency added per database response (sections/mongo-latency.ts). */
  mongoLatency: [] as LatencyRow[],
  /** Section 10: cross-replica delivery and queries (sections/cross-replica.ts). */
  crossReplica: null as null | CrossReplicaResult,
  /** Section 10.1: a rolling restart of one of two replicas, per run (sections/rolling-restart.ts). */
  rollingRestart: [] as RollingRestartCase[],
  /** Section 11: ListRuns and SearchThreads page times (sections/resource-pages.ts). */
  resourcePages: [] as PageTimes[],
  /** Section 12: webhook delivery latency (sections/webhooks.ts). */
  webhooks: [] as WebhookLatency[],
  /** Section 13: process start to the first answered WaitRun, compiled vs from source (sections/startup.ts). */
  startup: [] as StartupCase[],
  /** Section 14: WaitRun with OpenTelemetry tracing off and on (sections/tracing.ts). */
  tracing: null as null | TracingResults,
  errors: [] as Array<{ section: string; error: string }>,
  /** Per section: how busy the machine was, and how much of that was not this bench (other processes). */
  load: [] as Array<{ section: string; wallSec: number; machineCores: number; benchCores: number; otherCores: number }>,
};

export const SERIES_LABEL: Record<string, string> = {
  "agent-runs grpc": "agent-runs gRPC",
  "agent-runs connect-json": "agent-runs Connect JSON",
  "agent-runs connect-binary": "agent-runs Connect binary",
  "js-anchor": "LangGraph JS server",
  "py-anchor": "LangGraph Python server",
};

export function waitCell(series: string, c: number): Cell | undefined {
  return R.wait[series]?.[String(c)];
}
