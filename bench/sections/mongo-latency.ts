// Section 10, round trips in series (issue 20): the service (in this process) reaches
// mongo-java-server through toxiproxy, which adds 0, 1 and 5 ms to every database response;
// WaitRun and StreamRun of the one-step echo graph, p50 and p99 over sequential runs at each
// latency, and the slope of p50 (ms added per ms of latency = round trips the client waited for).
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Durability, RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import { startServer } from "../../src/app.js";
import { defaultConfig } from "../../src/config.js";
import { startToxiproxy } from "../../test/helpers/toxiproxy.js";
import { summarize } from "../lib.js";
import { log, QUICK, ROOT } from "../harness/config.js";
import { sectionMongo } from "../harness/mongo.js";
import { runStandalone } from "../harness/standalone.js";

export interface LatencyRow {
  rpc: string;
  /** p50 / p99 ms by added latency (ms). */
  p50: Record<string, number>;
  p99: Record<string, number>;
  /** (p50 at 5 ms - p50 at 0) / 5: round trips in series. */
  slope: number;
}

const LATENCIES = [0, 1, 5];

type Call = (client: ReturnType<typeof createClient<typeof RunsService>>) => Promise<void>;

const RPCS: Array<[string, Call]> = [
  ["WaitRun", async (c) => void (await c.waitRun({ run: { assistantId: "echo", input: { value: "x" } as never } }))],
  ["WaitRun durability exit", async (c) => void (await c.waitRun({ run: { assistantId: "echo", input: { value: "x" } as never, durability: Durability.EXIT } }))],
  [
    "StreamRun (to end)",
    async (c) => {
      for await (const r of c.streamRun({ run: { assistantId: "echo", input: { value: "x" } as never } })) if (r.payload.case === "event" && r.payload.value.kind.case === "end") return;
    },
  ],
];

export async function mongoLatencySection(): Promise<LatencyRow[]> {
  const mongo = await sectionMongo();
  const proxy = await startToxiproxy(mongo.uri);
  const config = defaultConfig({ host: "127.0.0.1", port: 0, logLevel: "silent", store: "mongodb", mongodbUri: proxy.uri, mongodbDatabase: "bench-latency", graphsFile: `${ROOT}/bench/langgraph.json`, drainMs: 2_000 });
  const server = await startServer(config);
  const client = createClient(RunsService, createGrpcTransport({ baseUrl: server.url }));
  const runs = QUICK ? 5 : 40;
  const rows: LatencyRow[] = RPCS.map(([rpc]) => ({ rpc, p50: {}, p99: {}, slope: 0 }));
  try {
    for (const latency of LATENCIES) {
      if (latency > 0) await proxy.add("latency", { type: "latency", attributes: { latency, jitter: 0 } });
      for (const [i, [rpc, call]] of RPCS.entries()) {
        for (let w = 0; w < (QUICK ? 1 : 3); w++) await call(client);
        const times: number[] = [];
        for (let r = 0; r < runs; r++) {
          const t0 = performance.now();
          await call(client);
          times.push(performance.now() - t0);
        }
        const s = summarize(times);
        rows[i]!.p50[String(latency)] = s.p50;
        rows[i]!.p99[String(latency)] = s.p99;
        log(`   +${latency} ms per response: ${rpc} p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms`);
      }
      if (latency > 0) await proxy.remove("latency");
    }
    for (const row of rows) row.slope = (row.p50["5"]! - row.p50["0"]!) / 5;
    return rows;
  } finally {
    await server.stop();
    await proxy.stop();
    await mongo.release();
  }
}

export function mongoLatencyTable(rows: LatencyRow[]): string[] {
  const f = (n: number | undefined) => (n === undefined ? "" : n.toFixed(1));
  return [
    `| rpc (echo graph) | p50 +0 ms | p50 +1 ms | p50 +5 ms | p99 +0 ms | p99 +1 ms | p99 +5 ms | slope (round trips in series) |`,
    `|---|---|---|---|---|---|---|---|`,
    ...rows.map((r) => `| ${r.rpc} | ${f(r.p50["0"])} | ${f(r.p50["1"])} | ${f(r.p50["5"])} | ${f(r.p99["0"])} | ${f(r.p99["1"])} | ${f(r.p99["5"])} | ${f(r.slope)} |`),
  ];
}

runStandalone(import.meta, mongoLatencySection, mongoLatencyTable);
