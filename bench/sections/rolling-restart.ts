// Section 10.1 (issue 20): what a rolling restart costs a run. Two agent-runs processes (A, B) on one
// MongoDB (mongo-java-server), the `steps` graph of test/fixtures/rolling-graphs (one custom event
// per superstep of `step_ms`). N runs are created on A at once, each read by a JoinRun on B; once
// with no restart (the baseline), then the same N runs again with SIGTERM sent to A while they are
// in flight: A lets each run reach its next superstep boundary and hands it back, B's lease keeper
// picks it up and resumes it from the checkpoint. Per run, on the reader's clock (this process):
// the hand-over gap (arrival of the last event A wrote -> arrival of the first event written after
// the resumption), the run's total duration against its baseline, its end status; and how long A
// took from SIGTERM to exit. Once with the default --lease-ms, once with a short one.
//
//   npx tsx bench/sections/rolling-restart.ts      (or: npx tsx bench/run.ts --only rolling-restart)
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { RunsService, RunStatus, StreamMode } from "../../gen/agentruns/v1/runs_pb.js";
import { median, sleep, summarize, wallNow as now } from "../lib.js";
import { log, QUICK } from "../harness/config.js";
import { sectionMongo } from "../harness/mongo.js";
import { R } from "../harness/results.js";
import { startNodeServer, type Server } from "../harness/server.js";
import { runStandalone } from "../harness/standalone.js";

type RunsClient = Client<typeof RunsService>;

const RUNS = QUICK ? 6 : 20;
const STEPS = 10;
const STEP_MS = 300;
/** SIGTERM this long after the last CreateRun answered: every run a few steps in. */
const SIGNAL_AFTER_MS = 1_000;
const GRAPHS = "test/fixtures/rolling-graphs/langgraph.json";

interface Stats {
  p50: number;
  p99: number;
  max: number;
}

export interface RollingRestartCase {
  label: string;
  leaseMs: number;
  runs: number;
  steps: number;
  stepMs: number;
  /** Baseline: arrival-to-arrival of consecutive steps on B's reader, every run. */
  stepInterval: Stats;
  /** Per handed-over run: last event of A -> first event after the resumption, on B's reader. */
  gap: Stats;
  /** The gap minus the baseline's median step interval: what the hand-over adds. */
  gapExtra: Stats;
  /** SIGTERM -> A's "handed back" log line, per run: the step under way finishing. */
  signalToHandBack: Stats;
  /** Per handed-over run: A's "handed back" log line -> B's "resuming" log line. */
  handBackToResume: Stats;
  /** The same, every run, sorted (results.json): a pick-up later than two lease-keeper ticks shows here. */
  handBackToResumeMs: number[];
  /**
   * Runs seen handed back (no owner, resumable) with a lease still more than half a --lease-ms ahead:
   * a lease renewal landed after the hand-back's lapse, so no replica picks the run up until it ends.
   */
  leasedAfterHandBack: number;
  /** Runs A logged as handed back; runs B logged as resumed. */
  handedOver: number;
  resumedOnB: number;
  baselineDuration: Stats;
  restartDuration: Stats;
  /** Per run: duration with the restart minus its baseline duration (same run index). */
  durationExtra: Stats;
  baselineStatuses: Record<string, number>;
  restartStatuses: Record<string, number>;
  /** SIGTERM -> A's process exited, and its exit code. */
  exitMs: number;
  exitCode: number | null;
}

/** p99 and max nearest-rank (summarize); p50 the median, the mean of the middle two of an even count. */
function stats(xs: number[]): Stats {
  const { p99, max } = summarize(xs);
  return { p50: median(xs), p99, max };
}

const count = (xs: string[]) => xs.reduce<Record<string, number>>((acc, x) => ((acc[x] = (acc[x] ?? 0) + 1), acc), {});

/** A replica as its own process, logging at info (the hand-back and resumption lines are read). */
async function startReplica(name: string, uri: string, database: string, leaseMs: number): Promise<{ server: Server; client: RunsClient; lines: Array<Record<string, unknown>> }> {
  const args = ["--port", "0", "--graphs", GRAPHS, "--mongodb-uri", uri, "--mongodb-database", database, "--log-level", "info", "--lease-ms", String(leaseMs)];
  const server = await startNodeServer(name, "src/main.ts", args);
  const lines: Array<Record<string, unknown>> = [];
  let partial = "";
  server.stdoutListeners.add((chunk) => {
    const text = partial + chunk;
    const complete = text.split("\n");
    partial = complete.pop() ?? "";
    for (const line of complete) {
      if (!line.includes("handed back") && !line.includes("resuming a run")) continue;
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a JSON log line
      }
    }
  });
  return { server, client: createClient(RunsService, createGrpcTransport({ baseUrl: server.url })), lines };
}

interface Followed {
  runId: string;
  createdAt: number;
  /** Arrival of each step's custom event on B's reader. */
  steps: Array<{ step: number; at: number }>;
  endAt: number;
  status: string;
}

/** Creates a run on A; its JoinRun on B, read to `end` (rejoining B with the last event id if the stream breaks). */
async function runOnAReadOnB(a: RunsClient, b: RunsClient, i: number, ids: string[] = []): Promise<Followed> {
  const createdAt = now();
  const { run } = await a.createRun({
    run: { assistantId: "steps", input: { messages: [{ role: "user", content: `run ${i}` }] } as never, context: { steps: STEPS, step_ms: STEP_MS } as never, streamMode: [StreamMode.CUSTOM] },
  });
  const runId = run!.runId;
  ids.push(runId);
  const followed: Followed = { runId, createdAt, steps: [], endAt: NaN, status: "no end" };
  let last: bigint | undefined;
  for (let tries = 0; tries < 20 && Number.isNaN(followed.endAt); tries++) {
    try {
      for await (const response of b.joinRun({ runId, ...(last !== undefined && { lastEventId: last }) })) {
        if (response.payload.case !== "event") continue;
        const event = response.payload.value;
        last = event.eventId;
        const at = now();
        if (event.kind.case === "part" && event.kind.value.data) {
          const step = (toJson(ValueSchema, event.kind.value.data) as { step?: number }).step;
          if (typeof step === "number") followed.steps.push({ step, at });
        }
        if (event.kind.case === "end") {
          followed.endAt = at;
          followed.status = RunStatus[event.kind.value.status] ?? String(event.kind.value.status);
          break;
        }
      }
    } catch {
      await sleep(100); // the stream broke: rejoin B where it left off
    }
  }
  return followed;
}

/** N runs on A at once, each followed on B; `during` runs once every run is created. */
async function batch(a: RunsClient, b: RunsClient, during: (ids: string[]) => Promise<void> = async () => undefined): Promise<Followed[]> {
  const created: Array<Promise<Followed>> = [];
  const ids: string[] = [];
  for (let i = 0; i < RUNS; i++) created.push(runOnAReadOnB(a, b, i, ids));
  await sleep(50);
  await during(ids);
  return Promise.all(created);
}

async function oneCase(label: string, leaseMs: number, uri: string): Promise<RollingRestartCase> {
  const database = `bench-rolling-${leaseMs}`;
  // One after the other: two start-ups at once on 2 cores slow both.
  const A = await startReplica(`agent-runs-rolling-a-${leaseMs}`, uri, database, leaseMs);
  const B = await startReplica(`agent-runs-rolling-b-${leaseMs}`, uri, database, leaseMs);
  try {
    // Warm-up: a few short runs through both, unrecorded.
    for (let i = 0; i < 3; i++) await runOnAReadOnB(A.client, B.client, -1);
    const baseline = await batch(A.client, B.client);
    const intervals = baseline.flatMap((f) => f.steps.slice(1).map((s, k) => s.at - f.steps[k]!.at));
    const stepInterval = stats(intervals);

    let exitMs = NaN;
    let exitCode: number | null = null;
    let signalAt = NaN;
    let releasedAhead: string[] = [];
    const restarted = await batch(A.client, B.client, async (ids) => {
      await sleep(SIGNAL_AFTER_MS);
      const exited = new Promise<number | null>((resolve) => A.server.child.once("exit", (code) => resolve(code)));
      signalAt = now();
      const watching = watchHandedBack(uri, database, ids, leaseMs);
      process.kill(A.server.pid, "SIGTERM");
      exitCode = await exited;
      exitMs = now() - signalAt;
      releasedAhead = await watching;
    });
    const timesOf = (lines: Array<Record<string, unknown>>, text: string) => new Map(lines.filter((l) => String(l["msg"]).includes(text)).map((l) => [String(l["run_id"]), Number(l["time"])]));
    const handedBack = timesOf(A.lines, "handed back");
    const resumed = timesOf(B.lines, "resuming a run");
    const gaps: number[] = [];
    const handBackToResume: number[] = [];
    for (const f of restarted) {
      const resumeAt = resumed.get(f.runId);
      if (resumeAt === undefined) continue;
      // Every step sleeps step_ms before writing its event, so the resumed attempt's first event is written
      // at least step_ms after B's "resuming" line; A's last was stored before A handed the run back.
      const firstAfter = f.steps.findIndex((s) => s.at >= resumeAt + STEP_MS / 2);
      if (firstAfter > 0) gaps.push(f.steps[firstAfter]!.at - f.steps[firstAfter - 1]!.at);
      const back = handedBack.get(f.runId);
      if (back !== undefined) handBackToResume.push(resumeAt - back);
    }
    const durations = (fs: Followed[]) => fs.map((f) => f.endAt - f.createdAt);
    const baseD = durations(baseline);
    const restartD = durations(restarted);
    const result: RollingRestartCase = {
      label,
      leaseMs,
      runs: RUNS,
      steps: STEPS,
      stepMs: STEP_MS,
      stepInterval,
      gap: stats(gaps),
      gapExtra: stats(gaps.map((g) => g - stepInterval.p50)),
      signalToHandBack: stats([...handedBack.values()].map((t) => t - signalAt)),
      handBackToResume: stats(handBackToResume),
      handBackToResumeMs: [...handBackToResume].sort((x, y) => x - y).map(Math.round),
      leasedAfterHandBack: releasedAhead.length,
      handedOver: handedBack.size,
      resumedOnB: resumed.size,
      baselineDuration: stats(baseD),
      restartDuration: stats(restartD),
      durationExtra: stats(restartD.map((d, i) => d - baseD[i]!)),
      baselineStatuses: count(baseline.map((f) => f.status)),
      restartStatuses: count(restarted.map((f) => f.status)),
      exitMs,
      exitCode,
    };
    log(
      `   ${label}: ${handedBack.size} of ${RUNS} runs handed over, gap p50 ${result.gap.p50.toFixed(0)} ms p99 ${result.gap.p99.toFixed(0)} max ${result.gap.max.toFixed(0)} (step interval p50 ${stepInterval.p50.toFixed(0)}), ` +
        `run duration p50 ${result.baselineDuration.p50.toFixed(0)} -> ${result.restartDuration.p50.toFixed(0)} ms, SIGTERM -> handed back p50 ${result.signalToHandBack.p50.toFixed(0)} max ${result.signalToHandBack.max.toFixed(0)}, handed back -> resumed p50 ${result.handBackToResume.p50.toFixed(0)} max ${result.handBackToResume.max.toFixed(0)}, A exit ${exitMs.toFixed(0)} ms (code ${exitCode}), statuses ${JSON.stringify(result.restartStatuses)}; handed back -> resumed, each run: ${result.handBackToResumeMs.join(" ")} ms; ${result.leasedAfterHandBack} seen handed back with a lease still ahead`,
    );
    return result;
  } finally {
    await B.server.stop();
    await A.server.stop();
  }
}

/**
 * From SIGTERM until every run is resumed (at most a lease and 3 s): each run's record, every 50 ms,
 * straight from the database. Resolves with the runs seen handed back (no owner, resumable) whose
 * lease was still more than half a lease ahead: a renewal written after the hand-back's lapse.
 */
async function watchHandedBack(uri: string, database: string, ids: string[], leaseMs: number): Promise<string[]> {
  const { MongoClient } = await import("mongodb");
  const client = new MongoClient(uri);
  const ahead = new Set<string>();
  const resumed = new Set<string>();
  const until = Date.now() + leaseMs + 3_000;
  try {
    const runs = client.db(database).collection<{ _id: string; owner_id: string | null; lease_until: Date | null; handover?: { resumable: boolean } }>("runs");
    while (resumed.size < ids.length && Date.now() < until) {
      const seenAt = Date.now();
      for (const doc of await runs.find({ _id: { $in: ids } }, { projection: { owner_id: 1, lease_until: 1, handover: 1 } }).toArray()) {
        if (doc.handover && !doc.handover.resumable) resumed.add(doc._id);
        if (doc.handover?.resumable && doc.owner_id === null && doc.lease_until && doc.lease_until.getTime() - seenAt > leaseMs / 2) ahead.add(doc._id);
      }
      await sleep(50);
    }
  } finally {
    await client.close();
  }
  return [...ahead];
}

export async function rollingRestartSection(): Promise<RollingRestartCase[]> {
  const mongo = await sectionMongo();
  const out: RollingRestartCase[] = [];
  try {
    out.push(await oneCase("default --lease-ms 10000", 10_000, mongo.uri));
    out.push(await oneCase("--lease-ms 1500", 1_500, mongo.uri));
  } finally {
    await mongo.release();
  }
  R.rollingRestart = out;
  return out;
}

const ms = (x: number) => (Number.isFinite(x) ? `${Math.round(x)}` : "—");
const trio = (s: Stats) => `${ms(s.p50)} / ${ms(s.p99)} / ${ms(s.max)}`;
const statusText = (x: Record<string, number>) => Object.entries(x).map(([k, v]) => `${v} ${k}`).join(", ");

/** Section 10.1 of RESULTS.md. */
export function rollingRestartReport(results: RollingRestartCase[] = R.rollingRestart): string[] {
  if (!results.length) return [];
  const r0 = results[0]!;
  return [
    `## 10.1 Rolling restart: what it costs a run (issue 20)`,
    ``,
    `Two agent-runs processes (A, B; \`node --import tsx src/main.ts\`, default settings but \`--lease-ms\`) on one mongo-java-server, the \`steps\` graph of \`test/fixtures/rolling-graphs\` (${r0.steps} supersteps of ${r0.stepMs} ms, one custom event each). ${r0.runs} runs created on A at once, each read to its \`end\` by a JoinRun on B (gRPC) from this process; first with no restart (baseline), then the same ${r0.runs} runs again with SIGTERM sent to A ${SIGNAL_AFTER_MS} ms after they were created. Times are arrivals on B's reader (this process's clock). **Hand-over gap**: the arrival of the last event A wrote to the arrival of the first event written after the resumption (B runs the next step, which itself takes ${r0.stepMs} ms); "gap − step" subtracts the baseline's median step-to-step interval, i.e. what the hand-over adds. A run's A → B split is read from A's "handed back" and B's "resuming" log lines (run id, pino time). Run duration: CreateRun sent → \`end\` on B's reader; "extra" is each run's restart duration minus the same run index's baseline. "Handed back with a lease still ahead": runs whose record, read from the database every 50 ms from SIGTERM on, showed no owner and resumable but a \`lease_until\` more than half a lease ahead (a renewal written after the hand-back). Rerun: \`npx tsx bench/sections/rolling-restart.ts\` or \`npx tsx bench/run.ts --only rolling-restart\` (not in \`--quick\`).`,
    ``,
    `| case | runs handed over / resumed on B | hand-over gap p50 / p99 / max ms | gap − step p50 / p99 / max ms | A handed back → B resumed p50 / max ms | baseline step interval p50 ms | run duration baseline → restart p50 ms | extra per run p50 / p99 / max ms | end status (restart; baseline) | A: SIGTERM → exit ms (code) | handed back with a lease still ahead |`,
    `|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|`,
    ...results.map(
      (r) =>
        `| ${r.label} | ${r.handedOver} / ${r.resumedOnB} of ${r.runs} | ${trio(r.gap)} | ${trio(r.gapExtra)} | ${ms(r.handBackToResume.p50)} / ${ms(r.handBackToResume.max)} | ${ms(r.stepInterval.p50)} | ${ms(r.baselineDuration.p50)} → ${ms(r.restartDuration.p50)} | ${trio(r.durationExtra)} | ${statusText(r.restartStatuses)}; ${statusText(r.baselineStatuses)} | ${ms(r.exitMs)} (${r.exitCode}) | ${r.leasedAfterHandBack} |`,
    ),
    ``,
  ];
}

// Standalone: `npx tsx bench/sections/rolling-restart.ts` prints the table.
runStandalone(import.meta, rollingRestartSection, rollingRestartReport);
