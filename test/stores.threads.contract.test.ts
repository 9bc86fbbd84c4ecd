// The store contract for threads as resources (CreateThread, UpdateThread,
// DeleteThread, SearchThreads and the status runs leave), against both stores
// as in stores.contract.test.ts (kept apart so neither file outgrows the
// length rule).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JsonObject, ThreadRecord, ThreadStatus } from "../src/domain/records.js";
import type { Stores, ThreadPageQuery } from "../src/stores/types.js";
import { storeFactories } from "./helpers/store-factories.js";

const factories = storeFactories("threads");

describe.each(factories)("%s store", (_name, factory) => {
  let stores: Stores;
  beforeAll(async () => {
    stores = await factory();
  });
  afterAll(() => stores.close());

  /** Every page of `query` from the start, `limit` at a time, as SearchThreads walks them. */
  async function pageAll(query: Omit<ThreadPageQuery, "after" | "limit">, limit: number): Promise<ThreadRecord[]> {
    const all: ThreadRecord[] = [];
    for (let after: ThreadPageQuery["after"] = null; ; ) {
      const page = await stores.threads.page({ ...query, after, limit });
      all.push(...page);
      if (page.length < limit) return all;
      const last = page.at(-1)!;
      after = { createdAt: last.createdAt, threadId: last.threadId };
    }
  }

  it("creates a thread idle with its metadata, '.' and '$' keys intact; of racing creates of one id exactly one creates", async () => {
    const threadId = randomUUID();
    const metadata = { "a.b": { $gt: 1 }, $where: "x", n: [1, { z: null }] };
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => stores.threads.create(threadId, `u${i}`, metadata)));
    expect(results.filter((r) => r.created)).toHaveLength(1);
    const winner = results.find((r) => r.created)!.thread;
    for (const r of results) expect(r.thread.userId).toBe(winner.userId);
    const stored = await stores.threads.getOwned(threadId, winner.userId);
    expect(stored).toMatchObject({ threadId, userId: winner.userId, metadata, status: "idle", activeRunId: null });
    expect(await stores.threads.getOwned(threadId, "someone-else")).toBeNull();
  });

  it("gives threads runs create {} metadata and idle; busy while acquired, then the status the release names, kept when it names none", async () => {
    const threadId = randomUUID();
    expect(await stores.threads.ensure(threadId, "u1")).toMatchObject({ metadata: {}, status: "idle" });
    expect(await stores.threads.acquire(threadId, "r1")).toBe(true);
    expect((await stores.threads.get(threadId))?.status).toBe("busy");
    await stores.threads.release(threadId, "r1", "interrupted");
    expect((await stores.threads.get(threadId))?.status).toBe("interrupted");
    await stores.threads.acquire(threadId, "r2");
    await stores.threads.release(threadId, "r2");
    expect((await stores.threads.get(threadId))?.status).toBe("interrupted");
    await stores.threads.acquire(threadId, "r3");
    await stores.threads.release(threadId, "someone-else", "idle");
    expect((await stores.threads.get(threadId))?.status).toBe("busy");
    await stores.threads.release(threadId, "r3", "error");
    expect((await stores.threads.get(threadId))?.status).toBe("error");
  });

  it("merges metadata for the owner only: a null removes its key, racing merges all apply, the update time moves", async () => {
    const threadId = randomUUID();
    const { thread } = await stores.threads.create(threadId, "u1", { keep: 1, drop: "x", "a.b": 1 });
    expect(await stores.threads.updateMetadata(threadId, "u2", { stolen: true })).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const updated = await stores.threads.updateMetadata(threadId, "u1", { drop: null, "a.b": { $set: 2 } });
    expect(updated?.metadata).toEqual({ keep: 1, "a.b": { $set: 2 } });
    expect(updated!.updatedAt.getTime()).toBeGreaterThan(thread.updatedAt.getTime());
    await Promise.all(Array.from({ length: 10 }, (_, i) => stores.threads.updateMetadata(threadId, "u1", { [`k${i}`]: i })));
    const after = await stores.threads.getOwned(threadId, "u1");
    expect(Object.keys(after!.metadata).sort()).toEqual(["a.b", "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "keep"]);
    expect(await stores.threads.updateMetadata(randomUUID(), "u1", { a: 1 })).toBeNull();
  });

  it("writes nothing of a merge its accept callback refuses", async () => {
    const threadId = randomUUID();
    const { thread } = await stores.threads.create(threadId, "u1", { a: 1 });
    const refuse = (merged: JsonObject) => {
      expect(merged).toEqual({ a: 1, b: 2 });
      throw new Error("too big");
    };
    await expect(stores.threads.updateMetadata(threadId, "u1", { b: 2 }, refuse)).rejects.toThrow("too big");
    expect(await stores.threads.getOwned(threadId, "u1")).toEqual(thread);
  });

  it("marks a thread deleting only for its owner and while no run holds it; marked, no run acquires it, no page lists it; delete removes it", async () => {
    const userId = `u-${randomUUID()}`;
    const threadId = randomUUID();
    await stores.threads.create(threadId, userId, {});
    await stores.threads.acquire(threadId, "r1");
    expect(await stores.threads.markDeleting(threadId, userId)).toBe(false);
    await stores.threads.release(threadId, "r1", "idle");
    expect(await stores.threads.markDeleting(threadId, "someone-else")).toBe(false);
    expect(await stores.threads.markDeleting(threadId, userId)).toBe(true);
    expect(await stores.threads.markDeleting(threadId, userId)).toBe(true);
    expect(await stores.threads.acquire(threadId, "r2")).toBe(false);
    expect(await stores.threads.updateMetadata(threadId, userId, { a: 1 })).toBeNull();
    expect((await stores.threads.getOwned(threadId, userId))?.deleting).toBe(true);
    expect(await stores.threads.page({ userId, metadata: {}, statuses: [], after: null, limit: 10 })).toEqual([]);
    await stores.threads.delete(threadId, "someone-else");
    expect(await stores.threads.get(threadId)).not.toBeNull();
    await stores.threads.delete(threadId, userId);
    expect(await stores.threads.get(threadId)).toBeNull();
  });

  it("pages a user's threads newest first (ties by id, descending), every one exactly once, never another user's", async () => {
    const userId = `u-${randomUUID()}`;
    await stores.threads.create(randomUUID(), `other-${userId}`, {});
    const ids: string[] = [];
    for (let i = 0; i < 23; i++) ids.push((await stores.threads.create(randomUUID(), userId, { i })).thread.threadId);
    const expected = await Promise.all(ids.map((id) => stores.threads.getOwned(id, userId)));
    expected.sort((a, b) => b!.createdAt.getTime() - a!.createdAt.getTime() || (a!.threadId < b!.threadId ? 1 : -1));
    for (const limit of [1, 5, 23, 50]) {
      const listed = await pageAll({ userId, metadata: {}, statuses: [] }, limit);
      expect(listed.map((t) => t.threadId)).toEqual(expected.map((t) => t!.threadId));
    }
  });

  it("filters by metadata JSON equality (any key order, arrays whole, '.' keys as data) and by status", async () => {
    const userId = `u-${randomUUID()}`;
    const make = async (metadata: JsonObject, status?: ThreadStatus) => {
      const { thread } = await stores.threads.create(randomUUID(), userId, metadata);
      if (status && status !== "idle") {
        await stores.threads.acquire(thread.threadId, `run-${thread.threadId}`);
        if (status !== "busy") await stores.threads.release(thread.threadId, `run-${thread.threadId}`, status);
      }
      return thread.threadId;
    };
    const a = await make({ obj: { x: 1, y: [1, 2] }, tags: ["a", "b"], "a.b": 1 });
    const b = await make({ obj: { y: [1, 2], x: 1 }, tags: ["a"] }, "busy");
    const c = await make({ tags: "a", n: null }, "interrupted");
    const d = await make({}, "error");
    const ids = async (metadata: JsonObject, statuses: ThreadStatus[] = []) =>
      (await pageAll({ userId, metadata, statuses }, 2)).map((t) => t.threadId).sort();
    expect(await ids({ obj: { x: 1, y: [1, 2] } })).toEqual([a, b].sort());
    expect(await ids({ tags: "a" })).toEqual([c]);
    expect(await ids({ tags: ["a"] })).toEqual([b]);
    expect(await ids({ "a.b": 1 })).toEqual([a]);
    expect(await ids({ n: null })).toEqual([c]);
    expect(await ids({ obj: { x: 1 } })).toEqual([]);
    expect(await ids({}, ["busy"])).toEqual([b]);
    expect(await ids({}, ["idle"])).toEqual([a]);
    expect(await ids({}, ["interrupted", "error"])).toEqual([c, d].sort());
    expect(await ids({ tags: ["a"] }, ["idle"])).toEqual([]);
  });
});
