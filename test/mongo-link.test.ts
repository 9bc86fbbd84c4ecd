// The service-to-MongoDB link through toxiproxy (test/helpers/toxiproxy.ts): slow, silent,
// reset and cut after some bytes. Every RPC answers (SUCCESS or UNAVAILABLE, never a hang), and
// once the link heals each run's stream is whole: metadata first, one `end`, no event twice, and
// its messages each stored once. No timing is asserted: the bench measures how long things take.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { endStatus, eventIds, expectStrictlyIncreasing, kinds } from "./helpers/events.js";
import { collect, startStream, startTestServer, userInput, type TestServer } from "./helpers/server.js";
import { startToxiproxy, type Toxic, type Toxiproxy } from "./helpers/toxiproxy.js";

let proxy: Toxiproxy;
let t: TestServer;

beforeAll(async () => {
  proxy = await startToxiproxy(inject("mongodbUri"));
  t = await startTestServer({ store: "mongodb", mongodbUri: proxy.uri, mongodbDatabase: `link_${randomUUID().slice(0, 8)}`, storeTimeoutMs: 1000, storeRetryMs: 60_000 });
});
afterAll(async () => {
  await proxy?.remove("fault").catch(() => undefined);
  await t?.stop();
  await proxy?.stop();
});

/** The run's stream replayed whole, and its messages, each checked for loss and duplicates. */
async function expectWhole(runId: string, status: RunStatus): Promise<void> {
  const replay = await collect(t.connectBinary.joinRun({ runId }));
  const ids = eventIds(replay);
  expectStrictlyIncreasing(ids);
  expect(kinds(replay)[0]).toBe("metadata");
  expect(kinds(replay).filter((k) => k === "end")).toHaveLength(1);
  expect(endStatus(replay)).toBe(status);
  const page = await t.connectBinary.listRunMessages({ runId, limit: 200 });
  const messageIds = page.messages.map((m) => JSON.stringify((m.message as Record<string, unknown> | undefined)?.["id"] ?? m.seq));
  expect(new Set(messageIds).size).toBe(messageIds.length);
  expect(page.messages.length).toBeGreaterThanOrEqual(2);
}

/** Calls `rpc` and tells SUCCESS from UNAVAILABLE; anything else fails the test. */
async function answer(rpc: () => Promise<unknown>): Promise<"ok" | "unavailable"> {
  try {
    await rpc();
    return "ok";
  } catch (error) {
    expect(ConnectError.from(error).code).toBe(Code.Unavailable);
    return "unavailable";
  }
}

describe("the link to MongoDB", () => {
  it("slow (latency on every response): runs end SUCCESS with whole streams", async () => {
    await proxy.add("fault", { type: "latency", attributes: { latency: 40, jitter: 20 } });
    try {
      const runs = await Promise.all(Array.from({ length: 3 }, (_, i) => t.grpc.waitRun({ run: { assistantId: "demo", input: userInput(`slow ${i}`) } })));
      for (const r of runs) expect(r.run?.status).toBe(RunStatus.SUCCESS);
      for (const r of runs) await expectWhole(r.run!.runId, RunStatus.SUCCESS);
    } finally {
      await proxy.remove("fault");
    }
  });

  it("silent (timeout toxic) mid-run: RPCs answer UNAVAILABLE, and once it heals the run ends whole", async () => {
    // Created before the link goes silent: its stream has shown the metadata.
    const started = await startStream(t.grpc, { assistantId: "demo", input: userInput("through silence"), context: { delay_ms: 300 } });
    const rest = started.rest();
    await proxy.add("fault", { type: "timeout", attributes: { timeout: 0 } });
    try {
      expect(await answer(() => t.grpc.getRun({ runId: randomUUID() }))).toBe("unavailable");
      expect(await answer(() => t.grpc.waitRun({ run: { assistantId: "demo", input: userInput("refused") } }))).toBe("unavailable");
    } finally {
      await proxy.remove("fault");
    }
    expect(endStatus(await rest)).toBe(RunStatus.SUCCESS);
    await expectWhole(started.runId, RunStatus.SUCCESS);
  });

  it("reset (reset_peer) and cut (limit_data) connections: every RPC answers, and runs after are whole", async () => {
    const toxics: Toxic[] = [
      { type: "reset_peer", attributes: { timeout: 0 } },
      { type: "limit_data", attributes: { bytes: 2_000 } },
    ];
    for (const toxic of toxics) {
      const started = await startStream(t.grpc, { assistantId: "demo", input: userInput(`through ${toxic.type}`), context: { delay_ms: 200 } });
      const rest = started.rest();
      await proxy.add("fault", toxic);
      try {
        expect(["ok", "unavailable"]).toContain(await answer(() => t.grpc.waitRun({ run: { assistantId: "demo", input: userInput(`during ${toxic.type}`) } })));
      } finally {
        await proxy.remove("fault");
      }
      // A run in flight rides the fault out (its writes are retried): it ends, and its stream is whole.
      const status = endStatus(await rest);
      expect(status).toBeDefined();
      await expectWhole(started.runId, status!);
      const after = await t.grpc.waitRun({ run: { assistantId: "demo", input: userInput(`after ${toxic.type}`) } });
      expect(after.run?.status).toBe(RunStatus.SUCCESS);
      await expectWhole(after.run!.runId, RunStatus.SUCCESS);
    }
  });
});
