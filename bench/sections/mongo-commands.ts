// Section 10 (issue 20): the MongoDB commands one run costs, by collection and command, counted by
// the driver's command monitoring (bench/command-log.ts) on mongo-java-server, for the one-step echo
// graph and the demo graph, WaitRun and StreamRun; and how many of them the client waited for in
// series. The service runs in this process (startServer), so its MongoClient is the one logged.
import { existsSync, readFileSync } from "node:fs";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Durability, RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import { startServer, type Server } from "../../src/app.js";
import { defaultConfig } from "../../src/config.js";
import { byKind, commands, inSeries, installCommandLog, nextClient, settle, type LoggedCommand } from "../command-log.js";
import { median } from "../lib.js";
import { log, QUICK, ROOT } from "../harness/config.js";
import { sectionMongo } from "../harness/mongo.js";
import { R } from "../harness/results.js";
import { mongoLatencyTable } from "./mongo-latency.js";
import { runStandalone } from "../harness/standalone.js";

export interface CommandsCase {
  label: string;
  runs: number;
  /** Per run, means over the measured runs. */
  own: number;
  saver: number;
  ownByKind: Record<string, number>;
  saverByKind: Record<string, number>;
  /** Per run, medians: commands the client waited for one after another (see inSeries). */
  ownInSeries: number;
  saverInSeries: number;
  allInSeries: number;
  /** Lease-keeper commands seen meanwhile (per replica, not per run). */
  background: number;
  p50Ms: number;
}

type RunsClient = Client<typeof RunsService>;
type Rpc = "wait" | "stream";

interface CaseSpec {
  label: string;
  assistantId: string;
  input: Record<string, unknown>;
  rpc: Rpc;
  durability?: Durability;
}

const CASES: CaseSpec[] = [
  { label: "echo WaitRun", assistantId: "echo", input: { value: "x" }, rpc: "wait" },
  { label: "echo StreamRun", assistantId: "echo", input: { value: "x" }, rpc: "stream" },
  { label: "echo WaitRun durability exit", assistantId: "echo", input: { value: "x" }, rpc: "wait", durability: Durability.EXIT },
  { label: "demo WaitRun", assistantId: "demo", input: { messages: [{ role: "user", content: "hi" }] }, rpc: "wait" },
  { label: "demo StreamRun", assistantId: "demo", input: { messages: [{ role: "user", content: "hi" }] }, rpc: "stream" },
];

async function oneRun(client: RunsClient, spec: CaseSpec): Promise<void> {
  const run = { assistantId: spec.assistantId, input: spec.input as never, ...(spec.durability ? { durability: spec.durability } : {}) };
  if (spec.rpc === "wait") {
    await client.waitRun({ run });
    return;
  }
  for await (const response of client.streamRun({ run })) {
    if (response.payload.case === "event" && response.payload.value.kind.case === "end") return;
  }
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);

function perRun(kinds: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of kinds) for (const [key, n] of Object.entries(k)) out[key] = (out[key] ?? 0) + n / kinds.length;
  return out;
}

/** Runs `spec` sequentially on one replica; each run's window lasts until its trailing commands are done. */
export async function measureCase(client: RunsClient, replica: number, spec: CaseSpec, runs: number, warmup = 3): Promise<CommandsCase> {
  for (let i = 0; i < warmup; i++) await oneRun(client, spec);
  await settle(replica);
  const windows: LoggedCommand[][] = [];
  const paths: LoggedCommand[][] = [];
  const latencies: number[] = [];
  const from = commands.length;
  for (let i = 0; i < runs; i++) {
    const first = commands.length;
    const t0 = performance.now();
    await oneRun(client, spec);
    const t1 = performance.now();
    latencies.push(t1 - t0);
    await settle(replica);
    const window = commands.slice(first).filter((c) => c.client === replica && c.group !== "background");
    windows.push(window);
    paths.push(window.filter((c) => c.start >= t0 && c.end <= t1));
  }
  const background = commands.slice(from).filter((c) => c.client === replica && c.group === "background").length;
  const of = (group: LoggedCommand["group"]) => (w: LoggedCommand[]) => w.filter((c) => c.group === group);
  return {
    label: spec.label,
    runs,
    own: mean(windows.map((w) => of("own")(w).length)),
    saver: mean(windows.map((w) => of("saver")(w).length)),
    ownByKind: perRun(windows.map((w) => byKind(of("own")(w)))),
    saverByKind: perRun(windows.map((w) => byKind(of("saver")(w)))),
    ownInSeries: median(paths.map((p) => inSeries(of("own")(p)))),
    saverInSeries: median(paths.map((p) => inSeries(of("saver")(p)))),
    allInSeries: median(paths.map((p) => inSeries(p))),
    background,
    p50Ms: median(latencies),
  };
}

export async function startLoggedReplica(uri: string, database: string, extra: Record<string, unknown> = {}): Promise<{ server: Server; client: RunsClient; replica: number }> {
  installCommandLog();
  const replica = nextClient();
  const config = defaultConfig({
    host: "127.0.0.1", port: 0, logLevel: "silent", store: "mongodb", mongodbUri: uri, mongodbDatabase: database,
    graphsFile: `${ROOT}/bench/langgraph.json`, drainMs: 2_000, ...extra,
  });
  const server = await startServer(config);
  const client = createClient(RunsService, createGrpcTransport({ baseUrl: server.url }));
  return { server, client, replica };
}

export async function mongoCommandsSection(): Promise<CommandsCase[]> {
  const mongo = await sectionMongo();
  const results: CommandsCase[] = [];
  try {
    const { server, client, replica } = await startLoggedReplica(mongo.uri, "bench-commands");
    try {
      for (const spec of CASES) {
        const r = await measureCase(client, replica, spec, QUICK ? 5 : 30);
        log(`   ${r.label}: own ${r.own.toFixed(1)} (in series ${r.ownInSeries}), saver ${r.saver.toFixed(1)} (in series ${r.saverInSeries}), all in series ${r.allInSeries}, p50 ${r.p50Ms.toFixed(1)} ms`);
        results.push(r);
      }
    } finally {
      await server.stop();
    }
  } finally {
    await mongo.release();
  }
  return results;
}

/** Markdown for RESULTS.md section 10. */
export function mongoCommandsTable(results: CommandsCase[]): string[] {
  const fmt1 = (n: number) => (Math.round(n * 10) / 10).toString();
  const rows = results.map((r) => {
    const own = Object.entries(r.ownByKind).sort().map(([k, n]) => `${k} ${fmt1(n)}`).join(", ");
    const saver = Object.entries(r.saverByKind).sort().map(([k, n]) => `${k} ${fmt1(n)}`).join(", ");
    return `| ${r.label} | ${fmt1(r.own)} | ${r.ownInSeries} | ${fmt1(r.saver)} | ${r.saverInSeries} | ${r.allInSeries} | ${fmt1(r.p50Ms)} | ${own} | ${saver} |`;
  });
  return [
    `| case | own commands per run | own in series | checkpointer commands | checkpointer in series | all in series | p50 ms | own by collection.command | checkpointer by collection.command |`,
    `|---|---|---|---|---|---|---|---|---|`,
    ...rows,
  ];
}

/**
 * Section 10: this run's table, then the hand-kept before / after (bench/mongo-commands.md), which
 * a rerun must not drop.
 */
export function mongoCommandsReport(): string[] {
  const file = `${ROOT}/bench/mongo-commands.md`;
  const history = existsSync(file) ? [readFileSync(file, "utf8").trimEnd(), ``] : [];
  if (!R.mongoCommands.length && !history.length) return [];
  const head = [`## 10. MongoDB commands per run (issue 20)`, ``];
  if (!R.mongoCommands.length) return [...head, ...history];
  const cross = R.crossReplica;
  return [
    ...head,
    ...(R.mongoLatency.length ? [`Latency added to every database response by toxiproxy (sequential runs; slope = p50 ms added per ms):`, ``, ...mongoLatencyTable(R.mongoLatency), ``] : []),
    ...(cross
      ? [
          `Cross-replica: B's JoinRun of A's runs, delivery from emit p50 ${cross.delivery.p50.toFixed(1)} ms, p99 ${cross.delivery.p99.toFixed(1)} ms (A's own StreamRun p50 ${cross.local.p50.toFixed(1)}, p99 ${cross.local.p99.toFixed(1)}); B's queries per second: idle ${cross.idleQueriesPerSec.toFixed(1)}, with ${cross.streams} JoinRuns over ${cross.streamRuns} live runs ${cross.queriesPerSecWithStreams.toFixed(1)}.`,
          ``,
        ]
      : []),
    `Counted by the driver's command monitoring (bench/command-log.ts) on mongo-java-server, the service in the bench's process, one run at a time after 3 warm-up runs; "own" is agent-runs' collections, "checkpointer" MongoDBSaver's; "in series" is the most commands of a run none of which overlapped the next, between request and reply. Lease-keeper queries are left out (they are per replica, not per run).`,
    ``,
    ...mongoCommandsTable(R.mongoCommands),
    ``,
    ...history,
  ];
}

// Standalone: `npx tsx bench/sections/mongo-commands.ts` prints the table.
runStandalone(import.meta, mongoCommandsSection, mongoCommandsTable);
