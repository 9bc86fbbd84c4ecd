// The memory store's bound (--memory-max-runs) when active runs alone fill it:
// they are never evicted, so new runs are refused (RESOURCE_EXHAUSTED over RPC)
// and nothing of the refused request is stored.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { MultitaskStrategy, RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { createMemoryStores } from "../src/stores/memory/index.js";
import { ACTIVE_STATUSES, TERMINAL_STATUSES, type RunRecord } from "../src/domain/records.js";
import { StoreFullError } from "../src/domain/errors.js";
import type { Stores } from "../src/stores/types.js";
import { newRun } from "./helpers/records.js";
import { startStream, startTestServer, userInput, type TestServer } from "./helpers/server.js";

describe("memory store bound with active runs", () => {
  async function create(stores: Stores, run: RunRecord): Promise<void> {
    await stores.threads.ensure(run.threadId, run.userId);
    await stores.runs.insert(run);
  }

  it("refuses a new active run when active runs fill maxRuns, writing nothing, and keeps serving", async () => {
    const stores = createMemoryStores({ maxRuns: 3 });
    const pending = [newRun(), newRun(), newRun()];
    for (const run of pending) await create(stores, run);
    const fourth = newRun();
    // Before the fix this insert never returned: the eviction loop re-queued active runs forever.
    await expect(stores.threads.ensure(fourth.threadId, fourth.userId)).rejects.toBeInstanceOf(StoreFullError);
    await expect(stores.runs.insert(fourth)).rejects.toThrow(/maximum of 3 pending or running runs/);
    expect(await stores.threads.get(fourth.threadId)).toBeNull();
    expect(await stores.runs.get(fourth.runId)).toBeNull();
    for (const run of pending) expect((await stores.runs.get(run.runId))?.status).toBe("pending");
    // A run that ends (or is deleted) makes room, and the finished one is what goes.
    await stores.runs.update(pending[0]!.runId, { status: "success" }, ["pending"]);
    await create(stores, fourth);
    expect(await stores.runs.get(pending[0]!.runId)).toBeNull();
    await stores.runs.delete(pending[1]!.runId);
    await create(stores, newRun());
  });

  it("evicts finished runs oldest first, in the order they finished, never an active one", async () => {
    const stores = createMemoryStores({ maxRuns: 3 });
    const [a, b, c] = [newRun(), newRun(), newRun()];
    for (const run of [a, b, c]) await create(stores, run);
    await stores.runs.update(c.runId, { status: "success" });
    await stores.runs.update(a.runId, { status: "error" });
    await create(stores, newRun());
    expect(await stores.runs.get(c.runId)).toBeNull();
    expect(await stores.runs.get(a.runId)).not.toBeNull();
    await create(stores, newRun());
    expect(await stores.runs.get(a.runId)).toBeNull();
    expect((await stores.runs.get(b.runId))?.status).toBe("pending");
    await expect(stores.runs.insert(newRun())).rejects.toBeInstanceOf(StoreFullError);
  });
});

describe("RPC past --memory-max-runs", () => {
  let t: TestServer;
  const streams = new AbortController();
  beforeAll(async () => {
    t = await startTestServer({ memoryMaxRuns: 2 });
  });
  afterAll(async () => {
    streams.abort();
    await t.stop();
  });

  it("answers RESOURCE_EXHAUSTED (STORE_FULL) once active runs fill the store, stores nothing of it, and keeps serving", async () => {
    const threadId = randomUUID();
    const run = { assistantId: "demo", threadId, input: userInput("slow"), context: { delay_ms: 60_000 }, multitaskStrategy: MultitaskStrategy.ENQUEUE };
    const first = await startStream(t.connectJson, run, streams.signal);
    const second = await startStream(t.connectJson, run, streams.signal);
    const error = await t.connectJson.waitRun({ run }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    const refused = error as ConnectError;
    expect(refused.code).toBe(Code.ResourceExhausted);
    expect(refused.rawMessage).toContain("maximum of 2 pending or running runs");
    expect(refused.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: "STORE_FULL", domain: "agentruns.v1", metadata: { limit: "2" } });
    const all = [...ACTIVE_STATUSES, ...TERMINAL_STATUSES];
    expect((await t.server.app.stores.runs.listByThread(threadId, all)).map((r) => r.runId)).toEqual([first.runId, second.runId]);
    // A new thread is refused the same way, and is not left behind.
    const elsewhere = randomUUID();
    expect(await t.connectJson.waitRun({ run: { ...run, threadId: elsewhere } }).catch((e: ConnectError) => e.code)).toBe(Code.ResourceExhausted);
    expect(await t.server.app.stores.threads.get(elsewhere)).toBeNull();
    // Still serving: reads answer, and once a run ends a new one is admitted.
    expect((await t.connectJson.getRun({ runId: second.runId })).run?.status).toBe(RunStatus.PENDING);
    await t.connectJson.cancelRun({ runId: second.runId });
    const next = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("quick") } });
    expect(next.run?.status).toBe(RunStatus.SUCCESS);
  });
});
