// Section 6: agent-runs on the MongoDB store (mongo-java-server, the project's test server) next
// to the memory store: WaitRun, a custom-event stream, message rows written and paged.
import { fmt, fmtRatio, ratio, type StreamEventsResult } from "../lib.js";
import { barChart } from "../svg.js";
import { log, QUICK, REPS, S } from "../harness/config.js";
import { figure, table } from "../harness/markdown.js";
import { describeLoop, loopOn, quiet } from "../harness/measure.js";
import { sectionMongo } from "../harness/mongo.js";
import { cellsOf, eventsOf, R, waitCell, type Sample } from "../harness/results.js";
import { startAgentRuns, type Server } from "../harness/server.js";
import type { Worker } from "../harness/worker.js";
import { seedAndList } from "./list.js";

const SERIES = "agent-runs grpc (mongodb)";

async function mongoWait(worker: Worker, server: Server): Promise<void> {
  await worker.run({ kind: "wait", url: server.url, protocol: "grpc", assistantId: "echo", concurrency: 16, warmupMs: QUICK ? 150 : 1500, durationMs: 100 });
  const reps: Record<string, Sample[]> = {};
  for (let rep = 0; rep < REPS; rep++) {
    for (const concurrency of [1, 16]) {
      const r = await loopOn(worker, server, { kind: "wait", url: server.url, protocol: "grpc", assistantId: "echo", concurrency, ...S.mongo.wait });
      describeLoop(`rep ${rep + 1} MongoDB WaitRun grpc x${concurrency}`, r);
      (reps[concurrency] ??= []).push(r);
    }
  }
  R.mongo.wait[SERIES] = cellsOf(reps);
}

async function mongoEvents(worker: Worker, server: Server, memoryServer: Server): Promise<void> {
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
}

export async function mongoSection(worker: Worker, memoryServer: Server): Promise<void> {
  const mongo = await sectionMongo();
  let server: Server | null = null;
  try {
    server = await startAgentRuns("agent-runs-mongodb", ["--mongodb-uri", mongo.uri, "--mongodb-database", "bench"]);
    R.mongo.status = "measured";
    await mongoWait(worker, server);
    await mongoEvents(worker, server, memoryServer);
    await seedAndList(worker, "mongodb", server);
  } catch (error) {
    R.mongo.status = "failed";
    R.mongo.error = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    if (server) await server.stop();
    await mongo.release();
  }
}

/** One figure per column: WaitRun x1 and x16, stream events/s, and the last page's p50 at each thread size. */
function storeValues(store: "memory" | "mongodb"): Array<number | null> {
  const wait = store === "memory" ? R.wait["agent-runs grpc"] : R.mongo.wait[SERIES];
  return [
    wait?.["1"]?.median.throughput ?? null,
    wait?.["16"]?.median.throughput ?? null,
    R.mongo.events[store]?.median.eventsPerSec ?? null,
    ...S.mongo.seed.map((n) => R.mongo.list[store]?.[String(n)]?.lastPage.median.ttfeP50 ?? null),
  ];
}

export function mongoFigures(): Array<[string, string]> {
  if (R.mongo.status !== "measured") return [];
  const svg = barChart({
    title: "MongoDB store (mongo-java-server) next to the memory store",
    yLabel: "value",
    categories: ["WaitRun/s x1", "WaitRun/s x16", "stream events/s", ...S.mongo.seed.map((n) => `List p50 ms @${n >= 1000 ? `${n / 1000}k` : n} msgs`)],
    series: [
      { name: "memory", values: storeValues("memory") },
      { name: "mongodb", values: storeValues("mongodb") },
    ],
    log: true,
    width: 1000,
  });
  return [["mongodb-vs-memory.svg", svg]];
}

export function mongoHeadline(): string[] {
  const mw = R.mongo.wait[SERIES]?.["16"]?.median;
  const g16 = waitCell("agent-runs grpc", 16)?.median;
  return mw && g16 ? [`- MongoDB store: WaitRun ${fmt(mw.throughput)} runs/s at 16 clients (${fmtRatio(ratio(mw.throughput, g16.throughput))} of the memory store).`] : [];
}

/** A row: the figure, memory, mongodb, mongodb ÷ memory. */
function row(label: string, mem: number | null | undefined, mon: number | null | undefined, digits?: number): string[] {
  return [label, fmt(mem, digits), fmt(mon, digits), fmtRatio(ratio(mon, mem))];
}

function mongoRows(): string[][] {
  const rows: string[][] = [];
  for (const c of [1, 16]) {
    const mem = waitCell("agent-runs grpc", c)?.median;
    const mon = R.mongo.wait[SERIES]?.[String(c)]?.median;
    rows.push(row(`WaitRun gRPC x${c}: runs/s`, mem?.throughput, mon?.throughput));
    rows.push(row(`WaitRun gRPC x${c}: p50 ms`, mem?.p50, mon?.p50, 2));
  }
  const em = R.mongo.events["memory"]?.median;
  const eo = R.mongo.events["mongodb"]?.median;
  rows.push(row(`StreamRun ${fmt(S.mongo.events)} events: events/s written and delivered`, em?.eventsPerSec, eo?.eventsPerSec));
  rows.push(row(`StreamRun ${fmt(S.mongo.events)} events: per-event p99 ms`, em?.p99, eo?.p99, 2));
  for (const n of S.mongo.seed) {
    const rate = (store: string) => {
      const x = R.mongo.seed[store]?.[String(n)];
      return x ? (x.messages / x.elapsedMs) * 1000 : null;
    };
    rows.push(row(`thread filled to ${fmt(n)} messages (runs of ${fmt(S.mongo.seedChunk)}): message rows written/s`, rate("memory"), rate("mongodb")));
    const lm = R.mongo.list["memory"]?.[String(n)];
    const lo = R.mongo.list["mongodb"]?.[String(n)];
    rows.push(row(`ListRunMessages, thread of ${fmt(n)}: latest run's last page (limit 50) p50 ms`, lm?.lastPage.median.ttfeP50, lo?.lastPage.median.ttfeP50, 2));
    rows.push(row(`ListRunMessages, thread of ${fmt(n)}: middle page (after_seq) p50 ms`, lm?.middlePage.median.ttfeP50, lo?.middlePage.median.ttfeP50, 2));
  }
  return rows;
}

export function mongoReport(figures: string[]): string[] {
  const head = [`## 6. MongoDB store next to the memory store`, ``];
  if (R.mongo.status === "skipped" || (R.mongo.status === "failed" && !R.mongo.wait[SERIES])) {
    return [...head, `Not measured: ${R.mongo.status}${R.mongo.error ? ` — ${R.mongo.error}` : ""}.`, ``];
  }
  return [
    ...head,
    ...(R.mongo.error ? [`**Part of this section failed** (figures missing below): ${R.mongo.error.split("\n")[0]}`, ``] : []),
    `MongoDB is \`mongo-java-server\` (in-memory backend) started by \`test/mongo-server/server.ts\` — the project's test server, not a production \`mongod\`; absolute MongoDB numbers mostly measure it, and it slows down as its collections grow (compare the repetitions in results.json). agent-runs runs with \`--mongodb-uri\`. ListRunMessages: one thread is filled with message rows by WaitRuns of the echo graph whose input carries ${fmt(S.mongo.seedChunk)} messages each, up to ${S.mongo.seed.map((n) => fmt(n)).join(" and ")} rows; at each size the latest run's messages are paged (limit 50), p50 over up to ${S.mongo.listReps} sequential calls (at most ${QUICK ? 1.5 : 3} s) per repetition.`,
    ``,
    table(["figure", "memory", "mongodb", "mongodb ÷ memory"], mongoRows()),
    ``,
    ...figure(figures, "mongodb-vs-memory.svg", "MongoDB vs memory"),
    ``,
  ];
}
