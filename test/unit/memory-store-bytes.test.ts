// --memory-max-bytes: the memory store counts what it keeps per run (record,
// events, messages by JSON length) and the checkpointer's bytes, evicts the
// oldest finished runs past the bound, never an active one, and refuses new
// runs while active ones alone hold it. Measured by the store's own
// accounting, not RSS.
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { StoreFullError } from "../../src/domain/errors.js";
import type { RunRecord } from "../../src/domain/records.js";
import { createMemoryStores } from "../../src/stores/memory/index.js";
import type { MemoryRunStore } from "../../src/stores/memory/runs.js";
import { BoundedMemorySaver } from "../../src/stores/memory-saver.js";
import type { Stores } from "../../src/stores/types.js";
import { newRun } from "../helpers/records.js";
import { unitService, userInput } from "./harness.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const budgetOf = (stores: Stores) => (stores.runs as MemoryRunStore).budget;

/** A run whose record and one message weigh about `bytes`. */
async function create(stores: Stores, bytes: number, status: RunRecord["status"] = "pending"): Promise<RunRecord> {
  const run = newRun({ status });
  await stores.threads.ensure(run.threadId, run.userId);
  await stores.runs.insert(run);
  await stores.events.append(run.threadId, run.runId, [{ kind: "message", data: { id: randomUUID(), content: "x".repeat(bytes) } }]);
  return run;
}

describe("memory store byte bound", () => {
  it("accounts each run's record, events and messages, and the checkpointer's bytes", async () => {
    let checkpoints = 1000;
    const stores = createMemoryStores({ maxBytes: 10 * MiB, checkpointBytes: () => checkpoints });
    const run = await create(stores, 100 * KiB);
    const budget = budgetOf(stores);
    const record = JSON.stringify(run).length;
    expect(budget.of(run.runId)).toBeGreaterThan(record + 100 * KiB);
    expect(budget.of(run.runId)).toBeLessThan(record + 101 * KiB);
    // Its thread counts too (threads.ts), a few hundred bytes without metadata.
    const thread = budget.of(`thread:${run.threadId}`);
    expect(thread).toBeGreaterThan(0);
    expect(thread).toBeLessThan(1000);
    expect(budget.total).toBe(budget.of(run.runId) + thread + 1000);
    checkpoints = 0;
    await stores.runs.delete(run.runId);
    expect(budget.total).toBe(thread);
  });

  it("evicts the oldest finished runs first past the bound, never an active one", async () => {
    const evicted: string[] = [];
    const stores = createMemoryStores({ maxBytes: 1 * MiB, onThreadEvicted: (id) => evicted.push(id) });
    const active = await create(stores, 300 * KiB);
    const [a, b, c] = [await create(stores, 250 * KiB), await create(stores, 250 * KiB), await create(stores, 250 * KiB)];
    // Finished out of creation order: c, then a, then b.
    for (const run of [c, a, b]) await stores.runs.update(run.runId, { status: "success" }, ["pending"]);
    // Over 1 MiB (1,050 KiB and the records) when d is admitted: c, finished first, goes, and that is enough.
    const d = await create(stores, 250 * KiB);
    expect(await stores.runs.get(c.runId)).toBeNull();
    expect((await stores.events.pageMessages(c.runId, { limit: 10 })).rows).toEqual([]);
    expect(evicted).toEqual([c.threadId]);
    for (const run of [active, a, b, d]) expect(await stores.runs.get(run.runId)).not.toBeNull();
    // Over again with d: a goes next, not b, and never the active run.
    const e = await create(stores, 10 * KiB);
    expect(await stores.runs.get(a.runId)).toBeNull();
    for (const run of [active, b, d, e]) expect(await stores.runs.get(run.runId)).not.toBeNull();
    expect(budgetOf(stores).total).toBeLessThanOrEqual(1 * MiB);
  });

  it("refuses new runs (StoreFullError) while active runs alone hold the bound, and admits once one finishes", async () => {
    const stores = createMemoryStores({ maxBytes: 1 * MiB });
    const active = [await create(stores, 600 * KiB), await create(stores, 600 * KiB)];
    const refused = newRun();
    const error = await stores.threads.ensure(refused.threadId, refused.userId).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreFullError);
    expect((error as StoreFullError).metadata).toMatchObject({ limit: String(1 * MiB), unit: "bytes" });
    await expect(stores.runs.insert(refused)).rejects.toBeInstanceOf(StoreFullError);
    expect(await stores.threads.get(refused.threadId)).toBeNull();
    for (const run of active) expect(await stores.runs.get(run.runId)).not.toBeNull();
    await stores.runs.update(active[0]!.runId, { status: "success" }, ["pending"]);
    await create(stores, 10 * KiB);
    expect(await stores.runs.get(active[0]!.runId)).toBeNull();
  });
});

describe("RPC: runs with a 1 MiB input on the memory store", () => {
  it("30 runs stay within --memory-max-bytes, checkpoints included, where they used to keep 20 MiB each", async () => {
    const put = vi.spyOn(BoundedMemorySaver.prototype, "put");
    const maxBytes = 64 * MiB;
    const s = await unitService({ memoryMaxBytes: maxBytes });
    try {
      const budget = budgetOf(s.app.stores);
      const big = "x".repeat(1 * MiB);
      await s.client.waitRun({ run: { assistantId: "demo", input: userInput(big) } });
      // One run keeps its input many times over: the record, whole-state `values` events, messages, checkpoints and their writes.
      const oneRun = budget.total;
      expect(oneRun).toBeGreaterThan(5 * MiB);
      let last;
      for (let i = 0; i < 30; i++) {
        last = await s.client.waitRun({ run: { assistantId: "demo", input: userInput(`${big} ${i}`) } });
        // Brought under the bound at each admission; only the run since may exceed it.
        expect(budget.total).toBeLessThanOrEqual(maxBytes + oneRun + 64 * KiB);
      }
      expect(last?.run?.status).toBeTruthy();
      expect(budget.total).toBeGreaterThan(maxBytes - 2 * oneRun);
      const saver = put.mock.contexts[0] as BoundedMemorySaver;
      expect(Object.keys(saver.storage).length).toBeLessThanOrEqual(Math.ceil(maxBytes / oneRun) + 1);
    } finally {
      put.mockRestore();
      await s.close();
    }
  });
});
