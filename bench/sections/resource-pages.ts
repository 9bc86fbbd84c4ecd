// Section 11 (issue 17): ListRuns and SearchThreads page time with 10k and 100k runs (on a tenth as
// many threads) of one user, on both stores, the records written straight into the stores so the
// seeding takes seconds. Each page is a full RPC through the app's own routes and interceptors
// (createRouterTransport: no sockets, so the figure is the server's work). Flat on memory; on MongoDB
// an index keeps a page within 2x from 10k to 100k.
import { randomUUID } from "node:crypto";
import { createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { RunStatus, RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import { ThreadsService } from "../../gen/agentruns/v1/threads_pb.js";
import { createApp, type App } from "../../src/app.js";
import { defaultConfig } from "../../src/config.js";
import type { RunRecord, RunStatus as StatusName } from "../../src/domain/records.js";
import { median } from "../lib.js";
import { log, QUICK } from "../harness/config.js";
import { sectionMongo } from "../harness/mongo.js";
import { R } from "../harness/results.js";
import { runStandalone } from "../harness/standalone.js";

export interface PageTimes {
  store: "memory" | "mongodb";
  runs: number;
  threads: number;
  seedMs: number;
  /** Median ms per call, by query. */
  ms: Record<string, number>;
}

const USER = "local"; // the caller of a server without auth
const STATUSES: StatusName[] = ["success", "success", "success", "error", "interrupted"];

function record(i: number, threadId: string, t0: number): RunRecord {
  const at = new Date(t0 + i);
  return {
    runId: randomUUID(), threadId, assistantId: "demo", userId: USER, status: STATUSES[i % STATUSES.length]!,
    metadata: { n: i }, multitaskStrategy: "reject", error: null, createdAt: at, updatedAt: at, ownerId: null, leaseUntil: null, cancelRequested: null,
    kwargs: { input: null, command: null, config: null, context: null, streamModes: ["values"], interruptBefore: [], interruptAfter: [], checkpointId: null, streamSubgraphs: false, onDisconnect: "cancel" },
  };
}

/** Grows the stores to `total` runs over total/10 threads, in batches of concurrent inserts. */
async function seed(app: App, from: number, total: number, threadIds: string[], t0: number): Promise<void> {
  while (threadIds.length < total / 10) threadIds.push(randomUUID());
  for (let i = from; i < total; i += 500) {
    const batch: Promise<unknown>[] = [];
    for (let j = i; j < Math.min(total, i + 500); j++) {
      const threadId = threadIds[j % threadIds.length]!;
      if (j < threadIds.length) batch.push(app.stores.threads.ensure(threadId, USER));
      batch.push(app.stores.runs.insert(record(j, threadId, t0)));
    }
    await Promise.all(batch);
  }
}

async function timed(reps: number, call: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 3; i++) await call();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
  }
  return median(times);
}

type Clients = { runs: Client<typeof RunsService>; threads: Client<typeof ThreadsService> };

async function measurePages(c: Clients, threadId: string, reps: number): Promise<Record<string, number>> {
  const second = (await c.runs.listRuns({ pageSize: 50 })).nextPageToken;
  const threadsSecond = (await c.threads.searchThreads({ pageSize: 50 })).nextPageToken;
  return {
    "ListRuns first page": await timed(reps, () => c.runs.listRuns({ pageSize: 50 })),
    "ListRuns second page": await timed(reps, () => c.runs.listRuns({ pageSize: 50, pageToken: second })),
    "ListRuns status=error": await timed(reps, () => c.runs.listRuns({ pageSize: 50, statuses: [RunStatus.ERROR] })),
    "ListRuns one thread": await timed(reps, () => c.runs.listRuns({ threadId, pageSize: 50 })),
    "SearchThreads first page": await timed(reps, () => c.threads.searchThreads({ pageSize: 50 })),
    "SearchThreads second page": await timed(reps, () => c.threads.searchThreads({ pageSize: 50, pageToken: threadsSecond })),
  };
}

async function storeCase(store: "memory" | "mongodb", uri: string | null, sizes: number[], reps: number): Promise<PageTimes[]> {
  const config = defaultConfig({ logLevel: "silent", store, ...(uri ? { mongodbUri: uri, mongodbDatabase: `bench-pages-${randomUUID().slice(0, 8)}` } : {}) });
  const app = await createApp(config);
  const transport = createRouterTransport(app.routes, { router: app.routerOptions });
  const clients = { runs: createClient(RunsService, transport), threads: createClient(ThreadsService, transport) };
  const out: PageTimes[] = [];
  const threadIds: string[] = [];
  const t0 = Date.now() - 10_000_000;
  let seeded = 0;
  try {
    for (const size of sizes) {
      const started = performance.now();
      await seed(app, seeded, size, threadIds, t0);
      seeded = size;
      const ms = await measurePages(clients, threadIds[0]!, reps);
      const result = { store, runs: size, threads: threadIds.length, seedMs: performance.now() - started, ms };
      log(`   ${store} ${size} runs: ${Object.entries(ms).map(([k, v]) => `${k} ${v.toFixed(2)} ms`).join(", ")}`);
      out.push(result);
    }
  } finally {
    await app.close();
  }
  return out;
}

export async function resourcePagesSection(): Promise<PageTimes[]> {
  const sizes = QUICK ? [500, 2_000] : [10_000, 100_000];
  const reps = QUICK ? 10 : 50;
  const results = await storeCase("memory", null, sizes, reps);
  // A real mongod when MONGODB_URI names one (mongo-java-server scans every query whatever its index).
  const given = process.env["MONGODB_URI"];
  if (given) {
    results.push(...(await storeCase("mongodb", given, sizes, QUICK ? 5 : 20)));
    R.resourcePages = results;
    return results;
  }
  const mongo = await sectionMongo();
  try {
    results.push(...(await storeCase("mongodb", mongo.uri, sizes, QUICK ? 5 : 20)));
  } finally {
    await mongo.release();
  }
  R.resourcePages = results;
  return results;
}

/** Section 11 of RESULTS.md: the page times, and each store's 100k/10k ratio per query. */
export function resourcePagesReport(): string[] {
  const results = R.resourcePages;
  if (!results.length) return [];
  const queries = Object.keys(results[0]!.ms);
  const lines = [
    `## 11. ListRuns and SearchThreads page time (issue 17)`,
    ``,
    `One user's runs written straight into the store (a tenth as many threads), then each query timed as a whole RPC through the app's routes and interceptors in process (createRouterTransport), median of ${QUICK ? "5–10" : "20–50"} calls after 3 warm-ups, page size 50. The ratio column is the largest size over the smallest: flat is 1.0. MongoDB is mongo-java-server unless \`MONGODB_URI\` names a real server: it scans every query whatever the index, so its ratio grows with the data; that each query is hinted and its index covers it is checked by test/mongo-indexes.test.ts. Rerun: \`npx tsx bench/run.ts --only resource-pages\` (or \`npx tsx bench/sections/resource-pages.ts\`).`,
    ``,
  ];
  for (const store of ["memory", "mongodb"] as const) {
    const rows = results.filter((r) => r.store === store);
    if (rows.length < 2) continue;
    const [small, large] = [rows[0]!, rows[rows.length - 1]!];
    lines.push(`| ${store} | ${rows.map((r) => `${r.runs.toLocaleString("en")} runs`).join(" | ")} | ratio |`, `|---|${rows.map(() => "---:|").join("")}---:|`);
    for (const q of queries) lines.push(`| ${q} | ${rows.map((r) => `${r.ms[q]!.toFixed(2)} ms`).join(" | ")} | ${(large.ms[q]! / small.ms[q]!).toFixed(2)} |`);
    lines.push(``, `Seeding: ${rows.map((r) => `${r.runs.toLocaleString("en")} runs in ${(r.seedMs / 1000).toFixed(1)} s`).join(", ")} (cumulative).`, ``);
  }
  return lines;
}

// Standalone: `npx tsx bench/sections/resource-pages.ts` prints the tables.
runStandalone(import.meta, resourcePagesSection, () => resourcePagesReport());
