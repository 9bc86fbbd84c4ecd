// One contract for every store: the memory store and the MongoDB store (over
// a real MongoDB-wire server) must both pass it unchanged.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DuplicateError } from "../src/domain/errors.js";
import type { RunRecord } from "../src/domain/records.js";
import type { Stores } from "../src/stores/types.js";
import { createMemoryStores } from "../src/stores/memory/index.js";
import { storeFactories } from "./helpers/store-factories.js";
import { newRun } from "./helpers/records.js";

const factories = storeFactories("contract");

describe.each(factories)("%s store", (_name, factory) => {
  let stores: Stores;
  beforeAll(async () => {
    stores = await factory();
  });
  afterAll(() => stores.close());

  it("answers ping", async () => {
    await expect(stores.ping()).resolves.toBeUndefined();
  });

  describe("runs", () => {
    it("round-trips a run, user JSON with '.' and '$' keys intact", async () => {
      const run = newRun();
      await stores.runs.insert(run);
      expect(await stores.runs.get(run.runId)).toEqual(run);
    });

    it("keeps a run's trace context (traceParent) when set and leaves it absent when not, through updates", async () => {
      const traced = newRun({ traceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" });
      const untraced = newRun();
      await stores.runs.insert(traced);
      await stores.runs.insert(untraced);
      await stores.runs.update(traced.runId, { status: "running", updatedAt: new Date() }, ["pending"]);
      expect((await stores.runs.get(traced.runId))?.traceParent).toBe(traced.traceParent);
      expect(await stores.runs.get(untraced.runId)).not.toHaveProperty("traceParent");
    });

    it("refuses a duplicate run id", async () => {
      const run = newRun();
      await stores.runs.insert(run);
      await expect(stores.runs.insert(run)).rejects.toBeInstanceOf(DuplicateError);
    });

    it("treats an operator-shaped id as a plain string", async () => {
      expect(await stores.runs.get('{"$ne": null}')).toBeNull();
      expect(await stores.runs.get("$where")).toBeNull();
    });

    it("updates conditionally on status, atomically: of racing updates one wins", async () => {
      const run = newRun();
      await stores.runs.insert(run);
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => stores.runs.update(run.runId, { status: "running", ownerId: `r${i}` }, ["pending"])),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await stores.runs.update(run.runId, { status: "success" }, ["pending"])).toBeNull();
      const done = await stores.runs.update(run.runId, { status: "success", error: null }, ["running"]);
      expect(done?.status).toBe("success");
    });

    it("lists a thread's runs by status, oldest first", async () => {
      const threadId = randomUUID();
      const a = newRun({ threadId, createdAt: new Date(1000) });
      const b = newRun({ threadId, createdAt: new Date(2000), status: "running" });
      const c = newRun({ threadId, createdAt: new Date(3000), status: "success" });
      for (const r of [c, b, a]) await stores.runs.insert(r);
      expect((await stores.runs.listByThread(threadId, ["pending", "running"])).map((r) => r.runId)).toEqual([a.runId, b.runId]);
    });

    it("lists runs whose lease expired", async () => {
      const expired = newRun({ status: "running", ownerId: "dead", leaseUntil: new Date(Date.now() - 1000) });
      const alive = newRun({ status: "running", ownerId: "alive", leaseUntil: new Date(Date.now() + 60_000) });
      await stores.runs.insert(expired);
      await stores.runs.insert(alive);
      const ids = (await stores.runs.listExpired(new Date(), 1000)).map((r) => r.runId);
      expect(ids).toContain(expired.runId);
      expect(ids).not.toContain(alive.runId);
    });

    it("updates a run only while the given replica holds it, when one is given", async () => {
      const run = newRun({ status: "running", ownerId: "replica-a", leaseUntil: new Date(Date.now() + 60_000) });
      await stores.runs.insert(run);
      const until = new Date(Date.now() + 120_000);
      expect(await stores.runs.update(run.runId, { leaseUntil: until }, ["running"], undefined, "replica-b")).toBeNull();
      expect((await stores.runs.get(run.runId))?.leaseUntil?.getTime()).toBe(run.leaseUntil!.getTime());
      expect((await stores.runs.update(run.runId, { leaseUntil: until }, ["running"], undefined, "replica-a"))?.leaseUntil?.getTime()).toBe(until.getTime());
      // Handed back (no owner): nobody's renewal applies any more.
      await stores.runs.update(run.runId, { ownerId: null }, ["running"]);
      expect(await stores.runs.update(run.runId, { leaseUntil: until }, ["running"], undefined, "replica-a")).toBeNull();
    });

    it("lists old pending runs, oldest first", async () => {
      const old = newRun({ createdAt: new Date(Date.now() - 60_000) });
      const fresh = newRun();
      const running = newRun({ status: "running", createdAt: new Date(Date.now() - 60_000) });
      for (const r of [fresh, running, old]) await stores.runs.insert(r);
      const ids = (await stores.runs.listPendingBefore(new Date(Date.now() - 30_000), 1000)).map((r) => r.runId);
      expect(ids).toContain(old.runId);
      expect(ids).not.toContain(fresh.runId);
      expect(ids).not.toContain(running.runId);
    });

    it("lists only the first `limit` of a thread's runs, oldest first", async () => {
      const threadId = randomUUID();
      const runs = [3000, 1000, 2000].map((t) => newRun({ threadId, createdAt: new Date(t) }));
      for (const r of runs) await stores.runs.insert(r);
      const ids = async (limit?: number) => (await stores.runs.listByThread(threadId, ["pending"], limit)).map((r) => r.runId);
      expect(await ids(1)).toEqual([runs[1]!.runId]);
      expect(await ids(2)).toEqual([runs[1]!.runId, runs[2]!.runId]);
      expect(await ids()).toEqual([runs[1]!.runId, runs[2]!.runId, runs[0]!.runId]);
    });

    it("gets a run for its owner only, never decoding another user's", async () => {
      // Big metadata with a marker key: counting JSON.parse calls on text holding it counts decodes of this run.
      const marker = `marker_${randomUUID()}`;
      const metadata = { [marker]: true, ...Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, "x".repeat(100)])) };
      const run = newRun({ userId: "owner", metadata });
      await stores.runs.insert(run);
      const parse = vi.spyOn(JSON, "parse");
      const decodes = () => parse.mock.calls.filter(([text]) => typeof text === "string" && text.includes(marker)).length;
      try {
        expect(await stores.runs.getOwned(run.runId, "someone-else")).toBeNull();
        expect(await stores.runs.getOwned(randomUUID(), "owner")).toBeNull();
        expect(await stores.runs.getOwned('{"$ne": null}', "owner")).toBeNull();
        expect(decodes()).toBe(0);
        expect(await stores.runs.getOwned(run.runId, "owner")).toEqual(run);
      } finally {
        parse.mockRestore();
      }
    });

    it("finds a thread's latest run whatever its status", async () => {
      const threadId = randomUUID();
      expect(await stores.runs.latestByThread(threadId)).toBeNull();
      const runs = (["success", "pending", "error"] as const).map((status, i) => newRun({ threadId, status, createdAt: new Date(1000 * (i + 1)) }));
      for (const run of [runs[2]!, runs[0]!, runs[1]!]) await stores.runs.insert(run);
      await stores.runs.insert(newRun({ createdAt: new Date(9000) }));
      expect((await stores.runs.latestByThread(threadId))?.runId).toBe(runs[2]!.runId);
      await stores.runs.delete(runs[2]!.runId);
      expect(await stores.runs.latestByThread(threadId)).toEqual(runs[1]);
    });

    it("gets many runs at once, leaving out missing ones", async () => {
      const [a, b] = [newRun(), newRun({ userId: "u2" })];
      await stores.runs.insert(a);
      await stores.runs.insert(b);
      const found = await stores.runs.getMany([b.runId, "missing", a.runId, b.runId]);
      expect(found.map((r) => r.runId).sort()).toEqual([a.runId, b.runId].sort());
      expect(found.find((r) => r.runId === a.runId)).toEqual(a);
      expect(await stores.runs.getMany([])).toEqual([]);
      // With an owner: only that user's runs, as getOwned.
      expect((await stores.runs.getMany([a.runId, b.runId], a.userId)).map((r) => r.runId)).toEqual([a.runId]);
      expect(await stores.runs.getMany([a.runId, b.runId], "someone-else")).toEqual([]);
    });

    it("deletes", async () => {
      const run = newRun();
      await stores.runs.insert(run);
      await stores.runs.delete(run.runId);
      expect(await stores.runs.get(run.runId)).toBeNull();
    });

    it("pages a user's runs newest first, run_id descending among equal times, on all threads or one, in some statuses", async () => {
      const userId = `pager_${randomUUID()}`;
      const [t1, t2] = [randomUUID(), randomUUID()];
      const spec: Array<[number, string, RunRecord["status"]]> = [[1000, t1, "success"], [2000, t2, "error"], [2000, t1, "success"], [2000, t1, "pending"], [3000, t2, "success"], [500, t1, "running"]];
      const runs = spec.map(([at, threadId, status]) => newRun({ userId, threadId, status, createdAt: new Date(at) }));
      // Inserted out of order, with another user's run on the same thread.
      for (const r of [...runs].reverse()) await stores.runs.insert(r);
      await stores.runs.insert(newRun({ userId: "someone-else", threadId: t1, createdAt: new Date(2500) }));
      const order = [...runs].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.runId < b.runId ? 1 : -1)).map((r) => r.runId);
      const pageAll = async (threadId: string | null, statuses: RunRecord["status"][], limit: number) => {
        const seen: string[] = [];
        for (let after = null as { createdAt: Date; runId: string } | null; ; ) {
          const page = await stores.runs.page({ userId, threadId, statuses, after, limit });
          expect(page.length).toBeLessThanOrEqual(limit);
          seen.push(...page.map((r) => r.runId));
          const last = page.at(-1);
          if (page.length < limit || !last) return seen;
          after = { createdAt: last.createdAt, runId: last.runId };
        }
      };
      const byId = new Map(runs.map((r) => [r.runId, r]));
      for (const limit of [1, 2, 4, 100]) {
        expect(await pageAll(null, [], limit)).toEqual(order);
        expect(await pageAll(t1, [], limit)).toEqual(order.filter((id) => byId.get(id)!.threadId === t1));
        expect(await pageAll(null, ["success", "running"], limit)).toEqual(order.filter((id) => ["success", "running"].includes(byId.get(id)!.status)));
      }
      expect(await stores.runs.page({ userId, threadId: null, statuses: [], after: null, limit: 10 })).toEqual([...runs].sort((a, b) => order.indexOf(a.runId) - order.indexOf(b.runId)));
      expect(await stores.runs.page({ userId: "nobody", threadId: t1, statuses: [], after: null, limit: 10 })).toEqual([]);
      await stores.runs.delete(order[0]!);
      expect(await pageAll(null, [], 2)).toEqual(order.slice(1));
    });

    it("marks an ended run of its owner deleting, hiding it from every read until deleted", async () => {
      const userId = `deleter_${randomUUID()}`;
      const ended = newRun({ userId, status: "success" });
      const active = newRun({ userId, status: "running", threadId: ended.threadId });
      for (const r of [ended, active]) await stores.runs.insert(r);
      expect(await stores.runs.markDeleting(active.runId, userId)).toBeNull();
      expect(await stores.runs.markDeleting(ended.runId, "someone-else")).toBeNull();
      expect(await stores.runs.markDeleting(randomUUID(), userId)).toBeNull();
      expect(await stores.runs.markDeleting(ended.runId, userId)).toMatchObject({ runId: ended.runId, status: "success" });
      expect(await stores.runs.get(ended.runId)).toBeNull();
      expect(await stores.runs.getOwned(ended.runId, userId)).toBeNull();
      expect((await stores.runs.page({ userId, threadId: null, statuses: [], after: null, limit: 10 })).map((r) => r.runId)).toEqual([active.runId]);
      expect((await stores.runs.page({ userId, threadId: ended.threadId, statuses: [], after: null, limit: 10 })).map((r) => r.runId)).toEqual([active.runId]);
      // Marked still: a delete cut short finds it again, and so does the sweep.
      expect(await stores.runs.markDeleting(ended.runId, userId)).toMatchObject({ runId: ended.runId });
      expect((await stores.runs.listDeleting(1000)).map((r) => r.runId)).toContain(ended.runId);
      expect((await stores.runs.listDeleting(1000)).map((r) => r.runId)).not.toContain(active.runId);
      await stores.runs.delete(ended.runId);
      expect(await stores.runs.markDeleting(ended.runId, userId)).toBeNull();
      expect((await stores.runs.listDeleting(1000)).map((r) => r.runId)).not.toContain(ended.runId);
      expect(await stores.runs.getOwned(active.runId, userId)).toEqual(active);
    });
  });

  describe("threads", () => {
    it("creates once and keeps the first owner", async () => {
      const threadId = randomUUID();
      const results = await Promise.all(Array.from({ length: 10 }, (_, i) => stores.threads.ensure(threadId, `u${i}`)));
      expect(new Set(results.map((t) => t.userId)).size).toBe(1);
    });

    it("lets exactly one of racing runs acquire a thread, until it releases", async () => {
      const threadId = randomUUID();
      await stores.threads.ensure(threadId, "u1");
      const wins = await Promise.all(Array.from({ length: 20 }, (_, i) => stores.threads.acquire(threadId, `run${i}`)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      const winner = `run${wins.indexOf(true)}`;
      await stores.threads.release(threadId, "someone-else");
      expect(await stores.threads.acquire(threadId, "late")).toBe(false);
      await stores.threads.release(threadId, winner);
      expect(await stores.threads.acquire(threadId, "late")).toBe(true);
    });

    it("says at release whether an acquire was refused while a run held it, until a look on the free thread clears it", async () => {
      const threadId = randomUUID();
      await stores.threads.ensure(threadId, "u1");
      // Nothing refused: no look needed after the run.
      expect(await stores.threads.acquire(threadId, "first")).toBe(true);
      expect(await stores.threads.release(threadId, "first")).toBe(false);
      // Refused while held: the holder's release says a run may be queued, and so does the next holder's.
      expect(await stores.threads.acquire(threadId, "holder")).toBe(true);
      expect(await stores.threads.acquire(threadId, "queued")).toBe(false);
      expect(await stores.threads.release(threadId, "holder")).toBe(true);
      expect(await stores.threads.acquire(threadId, "queued")).toBe(true);
      // A look while the thread is held clears nothing: it is the holder's release that must say so.
      await stores.threads.clearQueued(threadId);
      expect(await stores.threads.release(threadId, "queued")).toBe(true);
      // Asked again (a retry of a release that landed), it answers the same.
      expect(await stores.threads.release(threadId, "queued")).toBe(true);
      await stores.threads.clearQueued(threadId);
      expect(await stores.threads.acquire(threadId, "after")).toBe(true);
      expect(await stores.threads.release(threadId, "after")).toBe(false);
    });

    it("never refuses an acquire racing the holder's release without that release saying so (no run left queued unseen)", async () => {
      const threadId = randomUUID();
      await stores.threads.ensure(threadId, "u1");
      for (let round = 0; round < 40; round++) {
        expect(await stores.threads.acquire(threadId, `holder${round}`)).toBe(true);
        const [saysQueued, acquired] = await Promise.all([stores.threads.release(threadId, `holder${round}`), stores.threads.acquire(threadId, `queued${round}`)]);
        // Refused means refused while the holder held it, so its release must have seen the mark.
        if (!acquired) expect(saysQueued).toBe(true);
        if (acquired) await stores.threads.release(threadId, `queued${round}`);
        await stores.threads.clearQueued(threadId);
      }
    });

    it("marks racing refused acquires for the holder, whichever of them wins", async () => {
      const threadId = randomUUID();
      await stores.threads.ensure(threadId, "u1");
      const wins = await Promise.all(Array.from({ length: 10 }, (_, i) => stores.threads.acquire(threadId, `run${i}`)));
      expect(wins.filter(Boolean)).toHaveLength(1);
      expect(await stores.threads.release(threadId, `run${wins.indexOf(true)}`)).toBe(true);
      // A thread being deleted is never acquired, and refusing it does not spin.
      expect(await stores.threads.markDeleting(threadId, "u1")).toBe(true);
      expect(await stores.threads.acquire(threadId, "late")).toBe(false);
    });

    it("claims (ensure and acquire at once) only the caller's free thread, one of racing claims winning", async () => {
      const threadId = randomUUID();
      const claims = await Promise.all(Array.from({ length: 10 }, (_, i) => stores.threads.claim(threadId, "u1", `run${i}`)));
      expect(claims.filter((c) => c.acquired)).toHaveLength(1);
      const winner = claims.find((c) => c.acquired)!;
      expect(winner.thread).toMatchObject({ threadId, userId: "u1", status: "busy" });
      expect(claims.every((c) => c.thread.userId === "u1" && c.thread.activeRunId === winner.thread.activeRunId)).toBe(true);
      const foreign = await stores.threads.claim(threadId, "u2", "intruder");
      expect(foreign).toMatchObject({ acquired: false, thread: { userId: "u1", activeRunId: winner.thread.activeRunId } });
      await stores.threads.release(threadId, winner.thread.activeRunId!);
      expect((await stores.threads.claim(threadId, "u2", "intruder")).acquired).toBe(false);
      expect(await stores.threads.claim(threadId, "u1", "next")).toMatchObject({ acquired: true, thread: { activeRunId: "next" } });
    });
  });

  describe("events", () => {
    it("allocates per-thread seqs from 1, strictly increasing, under concurrent appends", async () => {
      const threadId = randomUUID();
      const batches = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          stores.events.append(threadId, `run-${i % 2}`, Array.from({ length: 5 }, (_, j) => ({ kind: "part" as const, mode: "custom" as const, namespace: [], data: { i, j } }))),
        ),
      );
      const seqs = batches.flat().map((e) => e.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      for (const batch of batches) for (let k = 1; k < batch.length; k++) expect(batch[k]!.seq).toBeGreaterThan(batch[k - 1]!.seq);
    });

    it("lists a run's events after a seq, excluding messages", async () => {
      const threadId = randomUUID();
      const runId = randomUUID();
      await stores.events.append(threadId, runId, [
        { kind: "metadata", data: { run_id: runId, thread_id: threadId, assistant_id: "demo" } },
        { kind: "message", data: { id: "m1", type: "human", content: "x" } },
        { kind: "part", mode: "values", namespace: [], data: { "a.b": 1, $set: 2 } },
        { kind: "end", data: { status: "success" } },
      ]);
      const all = await stores.events.listRunEvents(runId, 0, 100);
      expect(all.map((e) => [e.seq, e.kind])).toEqual([[1, "metadata"], [3, "part"], [4, "end"]]);
      expect(all[1]!.data).toEqual({ "a.b": 1, $set: 2 });
      expect(all[1]!.kind === "part" && all[1]!.mode).toBe("values");
      expect((await stores.events.listRunEvents(runId, 1, 1)).map((e) => e.seq)).toEqual([3]);
      expect((await stores.events.listRunEvents(runId, 0, 1))[0]?.seq).toBe(1);
      expect(await stores.events.hasMessage(runId, "m1")).toBe(true);
      expect(await stores.events.hasMessage(runId, "m2")).toBe(false);
    });

    it("lists several runs' events in one call, each after its own seq, by run then seq, contiguous under the limit", async () => {
      const threadId = randomUUID();
      const [r1, r2, r3] = [randomUUID(), randomUUID(), randomUUID()].sort();
      const parts = (n: number) => Array.from({ length: n }, (_, i) => ({ kind: "part" as const, mode: "custom" as const, namespace: [], data: { i } }));
      for (const runId of [r1!, r2!, r3!]) await stores.events.append(threadId, runId, [{ kind: "message", data: { id: `m-${runId}`, type: "human" } }, ...parts(3)]);
      const seqs = async (runId: string) => (await stores.events.listRunEvents(runId, 0, 10)).map((e) => e.seq);
      const [s1, s2] = [await seqs(r1!), await seqs(r2!)];
      const positions = [{ runId: r2!, afterSeq: s2[0]! }, { runId: r1!, afterSeq: 0 }, { runId: "missing", afterSeq: 0 }];
      const rows = await stores.events.listEventsOfRuns(positions, 100);
      expect(rows.map((e) => [e.runId, e.seq])).toEqual([...s1.map((q) => [r1, q]), ...s2.slice(1).map((q) => [r2, q])]);
      expect(rows.every((e) => e.kind === "part")).toBe(true);
      // Cut by the limit: the first run's rows whole and in order, then the next run's first.
      expect((await stores.events.listEventsOfRuns(positions, 4)).map((e) => [e.runId, e.seq])).toEqual([...s1.map((q) => [r1, q]), [r2, s2[1]]]);
      expect(await stores.events.listEventsOfRuns([], 10)).toEqual([]);
    });

    it("pages messages as ListRunMessages specifies", async () => {
      const threadId = randomUUID();
      const runId = randomUUID();
      const rows = await stores.events.append(
        threadId,
        runId,
        Array.from({ length: 7 }, (_, i) => ({ kind: "message" as const, data: { id: `m${i}`, content: `c${i}` } })),
      );
      const seqs = rows.map((r) => r.seq);
      const page = async (q: { limit: number; beforeSeq?: number; afterSeq?: number }) => {
        const p = await stores.events.pageMessages(runId, q);
        return [p.rows.map((r) => r.seq), p.hasMore];
      };
      expect(await page({ limit: 3 })).toEqual([seqs.slice(4), true]);
      expect(await page({ limit: 7 })).toEqual([seqs, false]);
      expect(await page({ limit: 3, beforeSeq: seqs[4]! })).toEqual([seqs.slice(1, 4), true]);
      expect(await page({ limit: 3, beforeSeq: seqs[3]! })).toEqual([seqs.slice(0, 3), false]);
      expect(await page({ limit: 3, afterSeq: seqs[0]! })).toEqual([seqs.slice(1, 4), true]);
      expect(await page({ limit: 3, afterSeq: seqs[3]! })).toEqual([seqs.slice(4), false]);
      expect(await page({ limit: 3, afterSeq: seqs[6]! })).toEqual([[], false]);
      expect(await stores.events.pageMessages(randomUUID(), { limit: 5 })).toEqual({ rows: [], hasMore: false });
    });

    it("pages a thread's messages across its runs as ListRunMessages pages a run's, and forgets a deleted run's", async () => {
      const threadId = randomUUID();
      const [runA, runB] = [randomUUID(), randomUUID()];
      const message = (id: string) => ({ kind: "message" as const, data: { id, content: id } });
      const part = { kind: "part" as const, mode: "custom" as const, namespace: [], data: { x: 1 } };
      const seqs: number[] = [];
      for (const [runId, batch] of [[runA, [message("a1"), part, message("a2")]], [runB, [message("b1"), part]], [runA, [message("a3")]], [runB, [message("b2"), message("b3"), part]]] as const) {
        const rows = await stores.events.append(threadId, runId, [...batch]);
        seqs.push(...rows.filter((r) => r.kind === "message").map((r) => r.seq));
      }
      await stores.events.append(randomUUID(), runA, [message("elsewhere")]);
      const page = async (q: { limit: number; beforeSeq?: number; afterSeq?: number }) => {
        const p = await stores.events.pageThreadMessages(threadId, q);
        return [p.rows.map((r) => r.seq), p.hasMore];
      };
      expect(await page({ limit: 10 })).toEqual([seqs, false]);
      expect(await page({ limit: 2 })).toEqual([seqs.slice(4), true]);
      expect(await page({ limit: 2, beforeSeq: seqs[4]! })).toEqual([seqs.slice(2, 4), true]);
      expect(await page({ limit: 2, beforeSeq: seqs[2]! })).toEqual([seqs.slice(0, 2), false]);
      expect(await page({ limit: 2, afterSeq: seqs[0]! })).toEqual([seqs.slice(1, 3), true]);
      expect(await page({ limit: 3, afterSeq: seqs[2]! })).toEqual([seqs.slice(3), false]);
      expect(await page({ limit: 3, afterSeq: seqs[5]! })).toEqual([[], false]);
      const rows = (await stores.events.pageThreadMessages(threadId, { limit: 10 })).rows;
      expect(rows.map((r) => [r.runId, r.data["id"]])).toEqual([[runA, "a1"], [runA, "a2"], [runB, "b1"], [runA, "a3"], [runB, "b2"], [runB, "b3"]]);
      await stores.events.deleteRun(runB);
      expect((await stores.events.pageThreadMessages(threadId, { limit: 10 })).rows.map((r) => r.data["id"])).toEqual(["a1", "a2", "a3"]);
      expect(await stores.events.pageThreadMessages(randomUUID(), { limit: 5 })).toEqual({ rows: [], hasMore: false });
    });

    it("deletes a run's rows", async () => {
      const threadId = randomUUID();
      const runId = randomUUID();
      await stores.events.append(threadId, runId, [{ kind: "metadata", data: { run_id: runId, thread_id: threadId, assistant_id: "demo" } }, { kind: "message", data: { id: "x" } }]);
      await stores.events.deleteRun(runId);
      expect(await stores.events.listRunEvents(runId, 0, 10)).toEqual([]);
      expect((await stores.events.pageMessages(runId, { limit: 10 })).rows).toEqual([]);
    });
  });

  describe("feedback", () => {
    const feedback = (runId: string, userId: string) => ({
      feedbackId: randomUUID(),
      runId,
      threadId: "t",
      userId,
      messageId: null,
      rating: 1 as const,
      comment: "$set {.}",
      createdAt: new Date(),
    });

    it("keeps one per (run, user), even under racing creates", async () => {
      const runId = randomUUID();
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => stores.feedback.create(feedback(runId, "u1"))));
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(DuplicateError);
      await stores.feedback.create(feedback(runId, "u2"));
      const list = await stores.feedback.listByRun(runId);
      expect(list.map((f) => f.userId).sort()).toEqual(["u1", "u2"]);
      expect(list[0]!.comment).toBe("$set {.}");
    });

    it("upserts one per (run, user): creates when absent, then updates rating, comment and message only", async () => {
      const runId = randomUUID();
      const first = feedback(runId, "u1");
      expect(await stores.feedback.upsert(first)).toEqual(first);
      const second = { ...feedback(runId, "u1"), rating: -1 as const, comment: null, messageId: "m1" };
      const updated = await stores.feedback.upsert(second);
      expect(updated).toEqual({ ...first, rating: -1, comment: null, messageId: "m1" });
      await stores.feedback.upsert(feedback(runId, "u2"));
      const list = await stores.feedback.listByRun(runId);
      expect(list.map((f) => [f.userId, f.rating])).toEqual([["u1", -1], ["u2", 1]]);
      expect(list[0]).toEqual(updated);
    });

    it("keeps one per (run, user) under racing upserts, every caller getting that one", async () => {
      const runId = randomUUID();
      const racing = Array.from({ length: 20 }, (_, i) => ({ ...feedback(runId, "u1"), comment: `c${i}` }));
      const results = await Promise.all(racing.map((f) => stores.feedback.upsert(f)));
      const list = await stores.feedback.listByRun(runId);
      expect(list).toHaveLength(1);
      expect(new Set(results.map((r) => r.feedbackId))).toEqual(new Set([list[0]!.feedbackId]));
      expect(racing.map((f) => f.comment)).toContain(list[0]!.comment);
    });

    it("deletes only on the right run", async () => {
      const runId = randomUUID();
      const f = feedback(runId, "u1");
      await stores.feedback.create(f);
      expect(await stores.feedback.delete(randomUUID(), f.feedbackId)).toBe(false);
      expect(await stores.feedback.delete(runId, f.feedbackId)).toBe(true);
      expect(await stores.feedback.listByRun(runId)).toEqual([]);
    });
  });
});

describe("memory store retention", () => {
  it("evicts the oldest finished runs beyond maxRuns, with their rows, feedback and empty threads", async () => {
    const evicted: string[] = [];
    const stores = createMemoryStores({ maxRuns: 3, onThreadEvicted: (id) => evicted.push(id) });
    const active = newRun({ status: "running" });
    await stores.runs.insert(active);
    const done: RunRecord[] = [];
    for (let i = 0; i < 5; i++) {
      const run = newRun({ status: "success" });
      await stores.threads.ensure(run.threadId, run.userId);
      await stores.runs.insert(run);
      await stores.events.append(run.threadId, run.runId, [{ kind: "message", data: { id: `m${i}` } }]);
      done.push(run);
    }
    // Six runs, room for three: the active run is never evicted; the three oldest finished ones are.
    expect(await stores.runs.get(active.runId)).not.toBeNull();
    for (const run of done.slice(0, 3)) expect(await stores.runs.get(run.runId)).toBeNull();
    expect((await stores.events.pageMessages(done[0]!.runId, { limit: 10 })).rows).toEqual([]);
    expect(await stores.threads.get(done[0]!.threadId)).toBeNull();
    expect(evicted).toEqual(done.slice(0, 3).map((r) => r.threadId));
    for (const run of done.slice(3)) expect(await stores.runs.get(run.runId)).not.toBeNull();
  });
});

describe("BoundedMemorySaver", () => {
  it("deletes exactly a thread's checkpoints and pending writes", async () => {
    const { BoundedMemorySaver } = await import("../src/stores/memory-saver.js");
    const { demoGraph } = await import("../src/runtime/demo-graph.js");
    const saver = new BoundedMemorySaver();
    const graph = demoGraph.compile({ checkpointer: saver });
    const [a, b] = [randomUUID(), randomUUID()];
    for (const thread of [a, b]) {
      await graph.invoke({ messages: [{ role: "user", content: "x y" }] }, { configurable: { thread_id: thread } });
    }
    const keysOf = (thread: string) => Object.keys(saver.writes).filter((k) => JSON.parse(k)[0] === thread);
    expect(keysOf(a).length).toBeGreaterThan(0);
    await saver.deleteThread(a);
    expect(keysOf(a)).toEqual([]);
    expect(saver.storage[a]).toBeUndefined();
    expect(keysOf(b).length).toBeGreaterThan(0);
    expect((await graph.getState({ configurable: { thread_id: b } })).values.messages).toHaveLength(4);
  });
});
