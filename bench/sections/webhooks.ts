// Section 12 (issue 17): webhook delivery latency, from a run's end (its
// update_time: when its terminal status was stored) to the receiver having
// the whole POST, on a local receiver (node:http on 127.0.0.1, so the server
// runs with --webhook-allow-private). Echo-graph WaitRuns over gRPC, one at
// a time and 16 at once, on the memory store and (full runs) on MongoDB
// (mongo-java-server); the service is its own process, the receiver lives in
// this one (so its receipts do not wait behind the runs), and both read the
// same machine clock. In between: the outbox insert at the finish, one
// claim, the signed POST; the removal follows.
import { randomUUID } from "node:crypto";
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import { webhookReceiver, type WebhookReceiver } from "../../test/helpers/webhook-receiver.js";
import { summarize } from "../lib.js";
import { log, QUICK } from "../harness/config.js";
import { sectionMongo } from "../harness/mongo.js";
import { R } from "../harness/results.js";
import { startAgentRuns } from "../harness/server.js";
import { runStandalone } from "../harness/standalone.js";

export interface WebhookLatency {
  store: "memory" | "mongodb";
  concurrency: number;
  runs: number;
  p50: number;
  p99: number;
  max: number;
}


async function waitForCount(receiver: WebhookReceiver, count: number, budgetMs: number): Promise<void> {
  const until = Date.now() + budgetMs;
  while (receiver.received.length < count) {
    if (Date.now() > until) throw new Error(`${receiver.received.length} of ${count} webhooks arrived within ${budgetMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** ms from each run's update_time (its end) to the receiver's receipt of its POST. */
function latencies(receiver: WebhookReceiver): number[] {
  return receiver.received.map((hook) => hook.at - Date.parse((JSON.parse(hook.body) as { updateTime: string }).updateTime));
}

async function storeCase(store: "memory" | "mongodb", uri: string | null, runs: number, concurrencies: number[]): Promise<WebhookLatency[]> {
  const receiver = await webhookReceiver();
  const database = uri ? ["--store", "mongodb", "--mongodb-uri", uri, "--mongodb-database", `bench-hooks-${randomUUID().slice(0, 8)}`] : [];
  const server = await startAgentRuns(`agent-runs-webhooks-${store}`, ["--webhook-secret", "bench-secret", "--webhook-allow-private", ...database]);
  const client = createClient(RunsService, createGrpcTransport({ baseUrl: server.url }));
  const run = () => client.waitRun({ run: { assistantId: "echo", input: { value: "deliver me" }, webhook: receiver.url } });
  const out: WebhookLatency[] = [];
  try {
    for (let i = 0; i < 20; i++) await run();
    await waitForCount(receiver, 20, 10_000);
    for (const concurrency of concurrencies) {
      receiver.received.length = 0;
      for (let done = 0; done < runs; done += concurrency) await Promise.all(Array.from({ length: Math.min(concurrency, runs - done) }, run));
      await waitForCount(receiver, runs, 30_000);
      const s = summarize(latencies(receiver));
      out.push({ store, concurrency, runs, p50: s.p50, p99: s.p99, max: s.max });
      log(`   ${store}, ${concurrency} at once: ${runs} webhooks, run end → receiver p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms, max ${s.max.toFixed(1)} ms`);
    }
  } finally {
    await server.stop();
    await receiver.close();
  }
  return out;
}

export async function webhooksSection(): Promise<WebhookLatency[]> {
  const results = await storeCase("memory", null, QUICK ? 100 : 1_000, [1, 16]);
  if (!QUICK) {
    const mongo = await sectionMongo();
    try {
      results.push(...(await storeCase("mongodb", mongo.uri, 300, [1, 16])));
    } finally {
      await mongo.release();
    }
  }
  R.webhooks = results;
  return results;
}

/** Section 12 of RESULTS.md. */
export function webhooksReport(): string[] {
  const results = R.webhooks;
  if (!results.length) return [];
  return [
    `## 12. Webhook delivery latency (issue 17)`,
    ``,
    `WaitRuns (gRPC) of the bench's echo graph (one node, no I/O) with \`webhook\` set, one at a time and 16 at once, on a fresh server (\`--webhook-secret\`, \`--webhook-allow-private\`), each webhook POSTed to a node:http receiver on 127.0.0.1 in the bench's process; latency is the receipt of the whole POST minus the run's \`update_time\` in its body (when its terminal status was stored): one machine clock, ms resolution. In between: the outbox insert at the finish, one claim, the signed POST (the removal follows). 20 runs first, to warm up. ${QUICK ? "Quick mode (only with --only webhooks): memory store only." : "MongoDB: mongo-java-server on this machine."} Rerun: \`npx tsx bench/run.ts --only webhooks\` (or \`npx tsx bench/sections/webhooks.ts\`).`,
    ``,
    `| store | at once | webhooks | p50 | p99 | max |`,
    `|---|---:|---:|---:|---:|---:|`,
    ...results.map((r) => `| ${r.store} | ${r.concurrency} | ${r.runs} | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | ${r.max.toFixed(1)} ms |`),
    ``,
  ];
}

// Standalone: `npx tsx bench/sections/webhooks.ts` prints the table.
runStandalone(import.meta, webhooksSection, () => webhooksReport());
