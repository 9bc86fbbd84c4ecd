// Section 10, cross-replica streams (issue 20): two replicas in this process on one MongoDB
// (mongo-java-server). Runs of the emit graph execute on A; JoinRun on B reads them through B's
// one poller. Measured: per-event delivery on B (receive time - emit time, both on this machine's
// clock) and the queries B sends per second (command monitoring) idle and with 1,000 JoinRun
// streams open on B over 100 live runs on A.
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { StreamMode, type RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import type { Client } from "@connectrpc/connect";
import { byKind, commands } from "../command-log.js";
import { summarize, wallNow as now, type LatencySummary } from "../lib.js";
import { log, QUICK } from "../harness/config.js";
import { sectionMongo } from "../harness/mongo.js";
import { startLoggedReplica } from "./mongo-commands.js";
import { runStandalone } from "../harness/standalone.js";

type RunsClient = Client<typeof RunsService>;

export interface CrossReplicaResult {
  runs: number;
  eventsPerRun: number;
  delivery: LatencySummary;
  /** The same events on A's own StreamRun (stored, then read from A's cache): what B adds is the difference. */
  local: LatencySummary;
  idleQueriesPerSec: number;
  streams: number;
  streamRuns: number;
  queriesPerSecWithStreams: number;
}

/** Starts a paced emit run on A; resolves with its id once A's stream showed the metadata, and with A's stream's end. */
async function startOnA(a: RunsClient, count: number, intervalMs: number, into: number[] | null = null): Promise<{ runId: string; done: Promise<void> }> {
  const stream = a.streamRun({ run: { assistantId: "emit", input: { value: "x" } as never, context: { count, interval_ms: intervalMs } as never, streamMode: [StreamMode.CUSTOM] } })[Symbol.asyncIterator]();
  const first = await stream.next();
  const value = first.value;
  if (value?.payload.case !== "event" || value.payload.value.kind.case !== "metadata") throw new Error("no metadata first");
  const runId = value.payload.value.kind.value.runId;
  const done = (async () => {
    for (let next = await stream.next(); !next.done; next = await stream.next()) {
      const payload = next.value.payload;
      if (!into || payload.case !== "event" || payload.value.kind.case !== "part" || !payload.value.kind.value.data) continue;
      const t = (toJson(ValueSchema, payload.value.kind.value.data) as { t?: number }).t;
      if (typeof t === "number") into.push(now() - t);
    }
  })();
  return { runId, done };
}

/** Reads B's JoinRun of `runId` to its end; the delivery latency of each custom event. */
async function joinOnB(b: RunsClient, runId: string, into: number[] | null, signal?: AbortSignal): Promise<void> {
  try {
    for await (const response of b.joinRun({ runId }, { signal })) {
      if (response.payload.case !== "event" || response.payload.value.kind.case !== "part") continue;
      const data = response.payload.value.kind.value.data;
      const t = data ? (toJson(ValueSchema, data) as { t?: number }).t : undefined;
      if (into && typeof t === "number") into.push(now() - t);
    }
  } catch (error) {
    if (!(signal?.aborted && ConnectError.from(error).code === Code.Canceled)) throw error;
  }
}

function queriesPerSec(replica: number, fromMs: number, toMs: number): number {
  const sent = commands.filter((c) => c.client === replica && c.start >= fromMs && c.start < toMs && c.group !== "background");
  if (process.env["BENCH_VERBOSE"]) log(`   ${JSON.stringify(byKind(sent))}`);
  return sent.length / ((toMs - fromMs) / 1000);
}

export async function crossReplicaSection(): Promise<CrossReplicaResult> {
  const mongo = await sectionMongo();
  const A = await startLoggedReplica(mongo.uri, "bench-cross");
  // One user opens all the streams: the per-user and per-run JoinRun caps are raised past them.
  const B = await startLoggedReplica(mongo.uri, "bench-cross", { maxJoinersPerUser: 5_000, maxJoinersPerRun: 5_000 });
  try {
    const runs = QUICK ? 2 : 20;
    const eventsPerRun = QUICK ? 25 : 50;
    const latencies: number[] = [];
    const onA: number[] = [];
    for (let i = 0; i < runs; i++) {
      const { runId, done } = await startOnA(A.client, eventsPerRun, 20, onA);
      await Promise.all([joinOnB(B.client, runId, latencies), done]);
    }
    const delivery = summarize(latencies);
    const local = summarize(onA);
    log(`   B's JoinRun of A's runs: delivery p50 ${delivery.p50.toFixed(1)} ms, p99 ${delivery.p99.toFixed(1)} ms over ${latencies.length} events (A's own StreamRun: p50 ${local.p50.toFixed(1)}, p99 ${local.p99.toFixed(1)})`);
    const windowMs = QUICK ? 500 : 5_000;
    let t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const idleQueriesPerSec = queriesPerSec(B.replica, t0, performance.now());
    const streamRuns = QUICK ? 20 : 100;
    const streams = QUICK ? 200 : 1_000;
    const live = await Promise.all(Array.from({ length: streamRuns }, () => startOnA(A.client, 2_000, 50)));
    const abort = new AbortController();
    let failed = 0;
    const joins = Array.from({ length: streams }, (_, i) => joinOnB(B.client, live[i % streamRuns]!.runId, null, abort.signal).catch(() => void failed++));
    // Measured once every stream is open (each JoinRun's own run read is part of opening it, not of streaming).
    const opened = performance.now();
    while (B.server.app.application.runs.joiners("user", "local") < streams - failed && performance.now() - opened < 60_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    if (failed > 0) throw new Error(`${failed} of ${streams} JoinRuns on B failed`);
    t0 = performance.now();
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const queriesPerSecWithStreams = queriesPerSec(B.replica, t0, performance.now());
    log(`   B idle: ${idleQueriesPerSec.toFixed(1)} queries/s; with ${streams} JoinRuns over ${streamRuns} live runs of A: ${queriesPerSecWithStreams.toFixed(1)} queries/s`);
    abort.abort();
    await Promise.allSettled(joins);
    for (const run of live) await A.client.cancelRun({ runId: run.runId }).catch(() => undefined);
    await Promise.allSettled(live.map((run) => run.done));
    return { runs, eventsPerRun, delivery, local, idleQueriesPerSec, streams, streamRuns, queriesPerSecWithStreams };
  } finally {
    await B.server.stop();
    await A.server.stop();
    await mongo.release();
  }
}

runStandalone(import.meta, crossReplicaSection, (r) => JSON.stringify(r, null, 2));
