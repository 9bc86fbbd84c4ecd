// Issue 15 item 13: fan-out and queue costs. The readers of a run share one
// store reader (a batch is read once, not once per reader); JoinRun streams
// are capped per run and per user; a create reads the same few rows however
// long the thread's queue. Work is counted (store calls, rows), never timed.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import type { RunSpec } from "../../src/application/index.js";
import type { NewEvent } from "../../src/domain/events.js";
import { newRun } from "../helpers/records.js";
import { collect, unitService, type UnitService } from "./harness.js";

const USER = "local";

/** A run executing on another replica (as far as this one can tell), with `events` stored; `end` last unless `open`. */
async function runElsewhere(s: UnitService, parts: number, open = false): Promise<string> {
  const run = newRun({ userId: USER, status: "running", ownerId: "another-replica", leaseUntil: new Date(Date.now() + 600_000) });
  await s.app.stores.runs.insert(run);
  const events: NewEvent[] = [{ kind: "metadata", data: { run_id: run.runId, thread_id: run.threadId, assistant_id: "demo" } }];
  for (let i = 0; i < parts; i++) events.push({ kind: "part", mode: "custom", namespace: [], data: { i } });
  if (!open) events.push({ kind: "end", data: { status: "success" } });
  await s.app.stores.events.append(run.threadId, run.runId, events);
  return run.runId;
}

describe("readers of one run", () => {
  let s: UnitService;
  beforeAll(async () => (s = await unitService()));
  afterAll(() => s.close());

  it("share its store reads: 50 JoinRuns read each batch once", async () => {
    // 1,000 events: two batches of 512, within the shared window, so no reader falls behind it.
    const runId = await runElsewhere(s, 998);
    const events = s.app.stores.events;
    const listRunEvents = events.listRunEvents.bind(events);
    const listEventsOfRuns = events.listEventsOfRuns.bind(events);
    let reads = 0;
    events.listRunEvents = (...args) => (reads++, listRunEvents(...args));
    events.listEventsOfRuns = (...args) => (reads++, listEventsOfRuns(...args));
    try {
      const streams = await Promise.all(Array.from({ length: 50 }, () => collect(s.client.joinRun({ runId }))));
      for (const stream of streams) expect(stream).toHaveLength(1_000);
      // One per batch (the replica's poller reads for every tail); before, every reader read every batch itself: 50 × 2.
      expect(reads).toBe(2);
    } finally {
      events.listRunEvents = listRunEvents;
      events.listEventsOfRuns = listEventsOfRuns;
    }
  });
});

describe("JoinRun caps", () => {
  let s: UnitService;
  beforeAll(async () => (s = await unitService({ maxJoinersPerRun: 2, maxJoinersPerUser: 3, pollMaxMs: 50 })));
  afterAll(() => s.close());

  /** A JoinRun stream held open after its first event; `leave` aborts it. */
  async function join(runId: string) {
    const abort = new AbortController();
    const stream = s.client.joinRun({ runId }, { signal: abort.signal })[Symbol.asyncIterator]();
    await stream.next();
    const rest = (async () => {
      for (let next = await stream.next(); !next.done; next = await stream.next());
    })().catch(() => undefined);
    return { leave: () => abort.abort(), rest };
  }
  const refusal = (runId: string) => join(runId).then(() => null, (e: unknown) => ConnectError.from(e));
  const joiners = (scope: "run" | "user", id: string) => s.app.application.runs.joiners(scope, id);

  it("refuses joiners past the per-run and per-user caps, and admits again once streams end", async () => {
    const [a, b, c] = [await runElsewhere(s, 0, true), await runElsewhere(s, 0, true), await runElsewhere(s, 0, true)];
    const onA = [await join(a), await join(a)];
    const fullRun = await refusal(a);
    expect(fullRun?.code).toBe(Code.ResourceExhausted);
    expect(fullRun?.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: "TOO_MANY_JOINERS", metadata: { scope: "run", limit: "2" } });
    const onB = await join(b);
    const fullUser = await refusal(c);
    expect(fullUser?.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: "TOO_MANY_JOINERS", metadata: { scope: "user", limit: "3" } });
    expect([joiners("run", a), joiners("user", USER)]).toEqual([2, 3]);
    // A client that leaves frees its place.
    onA[0]!.leave();
    await expect.poll(() => joiners("run", a)).toBe(1);
    const again = await join(a);
    // So does a stream that ends: b's run writes its end.
    const run = await s.app.stores.runs.get(b);
    await s.app.stores.events.append(run!.threadId, b, [{ kind: "end", data: { status: "success" } }]);
    await onB.rest;
    await expect.poll(() => joiners("user", USER)).toBe(2);
    const onC = await join(c);
    for (const j of [onA[1]!, again, onC]) j.leave();
    await expect.poll(() => joiners("user", USER)).toBe(0);
  });
});

describe("admission", () => {
  let s: UnitService;
  beforeAll(async () => (s = await unitService()));
  afterAll(() => s.close());

  it("reads the same rows per create with 1,000 runs queued as with none", async () => {
    const threadId = randomUUID();
    await s.app.stores.threads.ensure(threadId, USER);
    // The thread is held, so every enqueued run stays pending: the queue only grows.
    expect(await s.app.stores.threads.acquire(threadId, "holder")).toBe(true);
    const runs = s.app.stores.runs;
    const listByThread = runs.listByThread.bind(runs);
    let rows = 0;
    runs.listByThread = async (...args) => {
      const found = await listByThread(...args);
      rows += found.length;
      return found;
    };
    const spec: RunSpec = {
      assistantId: "demo", threadId, metadata: {}, multitaskStrategy: "enqueue",
      kwargs: { input: {}, command: null, config: null, context: null, streamModes: ["values"], interruptBefore: [], interruptAfter: [], checkpointId: null, streamSubgraphs: false, onDisconnect: "continue" },
    };
    const abort = new AbortController();
    const perCreate: number[] = [];
    try {
      for (let i = 0; i < 1_000; i++) {
        const before = rows;
        const { outcome } = await s.app.application.runs.wait(spec, USER, abort.signal);
        outcome.catch(() => undefined);
        perCreate.push(rows - before);
      }
    } finally {
      abort.abort();
      runs.listByThread = listByThread;
    }
    expect((await listByThread(threadId, ["pending"])).length).toBe(1_000);
    // Before: create k read the k-1 queued runs twice (admission, then the scheduler), 999,000 rows in all.
    expect(perCreate.slice(0, 10)).toEqual(perCreate.slice(-10));
    expect(Math.max(...perCreate)).toBeLessThanOrEqual(1);
  });
});
