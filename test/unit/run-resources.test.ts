// The caller's runs as a collection: ListRuns (newest first, filtered, paged
// by opaque tokens bound to the caller and the filters), DeleteRun (a run that
// ended, with its events, messages and feedback; safe to repeat after an
// outage cut it short) and CancelRuns (by ids or by thread, with CancelRun's
// action). Another user's runs are never listed, deleted or cancelled.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { CancelAction, MultitaskStrategy, RunStatus, type Run } from "../../gen/agentruns/v1/runs_pb.js";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { StoreUnavailableError } from "../../src/domain/errors.js";
import type { JsonObject } from "../../src/domain/records.js";
import { collect, unitService, userInput, type RunsClient, type UnitService } from "./harness.js";

let s: UnitService;
beforeAll(async () => {
  s = await unitService({}, { auth: { api_keys: ["alice", "bob", "carol", "dave"].map((u) => ({ key: u, user_id: u })) } });
});
afterAll(() => s.close());

const refusal = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));
const fieldsOf = (error: ConnectError | null) => error?.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field);
const ids = (runs: Run[]) => runs.map((r) => r.runId);

/** ListRuns' order: create_time descending, run_id descending among equal times. */
function newestFirst(runs: Run[]): Run[] {
  return [...runs].sort((a, b) => timestampMs(b.createTime!) - timestampMs(a.createTime!) || (a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0));
}

async function finished(client: RunsClient, threadId: string, context: JsonObject = {}): Promise<Run> {
  return (await client.waitRun({ run: { assistantId: "demo", threadId, input: userInput("hello"), context } })).run!;
}

/** A run that keeps running until cancelled. */
async function running(client: RunsClient, threadId = randomUUID(), strategy = MultitaskStrategy.REJECT): Promise<Run> {
  const { run } = await client.createRun({ run: { assistantId: "demo", threadId, input: userInput("slow"), context: { delay_ms: 60_000 }, multitaskStrategy: strategy } });
  return run!;
}

async function statusOf(client: RunsClient, runId: string): Promise<RunStatus | undefined> {
  return (await client.getRun({ runId })).run?.status;
}

describe("ListRuns", () => {
  // carol's runs: 4 on thread A (one failed), 3 on thread B (one interrupted).
  const threadA = randomUUID();
  const threadB = randomUUID();
  let all: Run[];
  beforeAll(async () => {
    const carol = s.as("carol");
    const made = [await finished(carol, threadA), await finished(carol, threadB), await finished(carol, threadA, { fail: "broken" })];
    made.push(await finished(carol, threadB), await finished(carol, threadA), await finished(carol, threadA));
    const slow = await running(carol, threadB);
    made.push((await carol.cancelRun({ runId: slow.runId, wait: true })).run!);
    all = newestFirst(made);
    await finished(s.as("dave"), randomUUID());
  });

  it("lists the caller's runs newest first across their threads, or one thread's", async () => {
    const carol = s.as("carol");
    const listed = await carol.listRuns({});
    expect(ids(listed.runs)).toEqual(ids(all));
    expect(listed.nextPageToken).toBe("");
    expect(listed.runs[0]).toEqual(all[0]);
    expect(ids((await carol.listRuns({ threadId: threadA })).runs)).toEqual(ids(all.filter((r) => r.threadId === threadA)));
    expect(ids((await carol.listRuns({ threadId: threadB })).runs)).toEqual(ids(all.filter((r) => r.threadId === threadB)));
  });

  it("lists nothing of another user, nor on another user's thread or a thread that never existed", async () => {
    const dave = s.as("dave");
    expect(ids((await dave.listRuns({})).runs)).not.toEqual(expect.arrayContaining([all[0]!.runId]));
    expect((await dave.listRuns({})).runs.every((r) => r.userId === "dave")).toBe(true);
    expect((await dave.listRuns({ threadId: threadA })).runs).toEqual([]);
    expect((await dave.listRuns({ threadId: randomUUID() })).runs).toEqual([]);
  });

  it("filters by statuses, several at once", async () => {
    const carol = s.as("carol");
    const of = (...statuses: RunStatus[]) => ids(all.filter((r) => statuses.includes(r.status)));
    expect(ids((await carol.listRuns({ statuses: [RunStatus.ERROR] })).runs)).toEqual(of(RunStatus.ERROR));
    expect(of(RunStatus.ERROR)).toHaveLength(1);
    const two = await carol.listRuns({ statuses: [RunStatus.INTERRUPTED, RunStatus.ERROR] });
    expect(ids(two.runs)).toEqual(of(RunStatus.ERROR, RunStatus.INTERRUPTED));
    expect(two.runs).toHaveLength(2);
    expect((await carol.listRuns({ statuses: [RunStatus.PENDING, RunStatus.RUNNING] })).runs).toEqual([]);
    const onB = await carol.listRuns({ threadId: threadB, statuses: [RunStatus.SUCCESS] });
    expect(ids(onB.runs)).toEqual(ids(all.filter((r) => r.threadId === threadB && r.status === RunStatus.SUCCESS)));
  });

  it("pages every run exactly once, newest first, with the filters kept", async () => {
    const carol = s.as("carol");
    const filters: Array<[number, { threadId?: string; statuses?: RunStatus[] }]> = [[1, {}], [2, {}], [3, { threadId: threadA }], [2, { statuses: [RunStatus.SUCCESS, RunStatus.ERROR] }]];
    for (const [pageSize, filter] of filters) {
      const seen: Run[] = [];
      let pageToken = "";
      let pages = 0;
      do {
        const page = await carol.listRuns({ ...filter, pageSize, pageToken });
        expect(page.runs.length).toBeLessThanOrEqual(pageSize);
        expect(page.runs.length).toBeGreaterThan(0);
        seen.push(...page.runs);
        pageToken = page.nextPageToken;
        pages++;
      } while (pageToken !== "");
      const expected = (await carol.listRuns(filter)).runs;
      expect(ids(seen)).toEqual(ids(expected));
      expect(pages).toBe(Math.ceil(expected.length / pageSize));
    }
  });

  it("takes a token for the same statuses in another order", async () => {
    const carol = s.as("carol");
    const first = await carol.listRuns({ statuses: [RunStatus.SUCCESS, RunStatus.ERROR], pageSize: 2 });
    const next = await carol.listRuns({ statuses: [RunStatus.ERROR, RunStatus.SUCCESS], pageSize: 2, pageToken: first.nextPageToken });
    expect(ids([...first.runs, ...next.runs])).toEqual(ids(all.filter((r) => r.status !== RunStatus.INTERRUPTED)).slice(0, 4));
  });

  it("defaults page_size to 50", async () => {
    const threadId = randomUUID();
    const alice = s.as("alice");
    const made = [];
    for (let i = 0; i < 51; i++) made.push(await alice.createRun({ run: { assistantId: "demo", threadId, input: userInput(`n${i}`), multitaskStrategy: MultitaskStrategy.ENQUEUE } }));
    const page = await alice.listRuns({ threadId });
    expect(page.runs).toHaveLength(50);
    expect(page.nextPageToken).not.toBe("");
    const rest = await alice.listRuns({ threadId, pageToken: page.nextPageToken });
    expect(rest.runs).toHaveLength(1);
    expect(new Set(ids([...page.runs, ...rest.runs]))).toEqual(new Set(made.map((m) => m.run!.runId)));
    await alice.cancelRuns({ threadId });
  });

  it("refuses bad input with INVALID_ARGUMENT naming the field", async () => {
    const carol = s.as("carol");
    const token = (await carol.listRuns({ pageSize: 1 })).nextPageToken;
    const tampered = token.slice(0, -2) + (token.endsWith("AA") ? "BB" : "AA");
    const cases: Array<[string, Promise<unknown>, string]> = [
      ["page_size 0", carol.listRuns({ pageSize: 0 }), "page_size"],
      ["page_size 201", carol.listRuns({ pageSize: 201 }), "page_size"],
      ["a token that is no token", carol.listRuns({ pageToken: "not-a-token" }), "page_token"],
      ["a tampered token", carol.listRuns({ pageToken: tampered }), "page_token"],
      ["another user's token", s.as("dave").listRuns({ pageToken: token }), "page_token"],
      ["a token of other filters", carol.listRuns({ threadId: threadA, pageToken: token }), "page_token"],
      ["a token of other statuses", carol.listRuns({ statuses: [RunStatus.ERROR], pageToken: token }), "page_token"],
      ["an unknown status", carol.listRuns({ statuses: [99 as RunStatus] }), "statuses[0]"],
      ["an unspecified status", carol.listRuns({ statuses: [RunStatus.UNSPECIFIED] }), "statuses[0]"],
      ["a status twice", carol.listRuns({ statuses: [RunStatus.ERROR, RunStatus.ERROR] }), "statuses"],
      ["a bad thread id", carol.listRuns({ threadId: "no spaces" }), "thread_id"],
    ];
    for (const [what, call, field] of cases) {
      const error = await refusal(call);
      expect(error?.code, what).toBe(Code.InvalidArgument);
      expect(fieldsOf(error)?.[0], what).toBe(field);
    }
  });
});

describe("DeleteRun", () => {
  it("deletes an ended run with its events, messages and feedback", async () => {
    const alice = s.as("alice");
    const run = await finished(alice, randomUUID());
    await alice.createRunFeedback({ runId: run.runId, rating: 1 });
    expect((await alice.listRunMessages({ runId: run.runId })).messages.length).toBeGreaterThan(0);
    await alice.deleteRun({ runId: run.runId });
    for (const call of [alice.getRun({ runId: run.runId }), alice.listRunMessages({ runId: run.runId }), collect(alice.joinRun({ runId: run.runId }))]) {
      expect((await refusal(call))?.code).toBe(Code.NotFound);
    }
    expect(ids((await alice.listRuns({ threadId: run.threadId })).runs)).toEqual([]);
    expect(await s.app.stores.events.listRunEvents(run.runId, 0, 1000)).toEqual([]);
    expect(await s.app.stores.events.pageMessages(run.runId, { limit: 10 })).toMatchObject({ rows: [] });
    expect(await s.app.stores.feedback.listByRun(run.runId)).toEqual([]);
    expect((await refusal(alice.deleteRun({ runId: run.runId })))?.code).toBe(Code.NotFound);
  });

  it("refuses an active run with FAILED_PRECONDITION RUN_ACTIVE, touching nothing, then deletes it once cancelled", async () => {
    const alice = s.as("alice");
    const run = await running(alice);
    const error = await refusal(alice.deleteRun({ runId: run.runId }));
    expect(error?.code).toBe(Code.FailedPrecondition);
    expect(error?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("RUN_ACTIVE");
    expect(error?.rawMessage).toContain("cancel it first");
    expect(await statusOf(alice, run.runId)).toBe(RunStatus.RUNNING);
    expect((await alice.listRuns({ threadId: run.threadId })).runs).toHaveLength(1);
    expect((await s.app.stores.events.listRunEvents(run.runId, 0, 10)).length).toBeGreaterThan(0);
    await alice.cancelRun({ runId: run.runId, wait: true });
    await alice.deleteRun({ runId: run.runId });
    expect((await refusal(alice.getRun({ runId: run.runId })))?.code).toBe(Code.NotFound);
  });

  it("is NOT_FOUND for another user's run, exactly as for a missing one, and leaves it alone", async () => {
    const run = await finished(s.as("alice"), randomUUID());
    const foreign = await refusal(s.as("bob").deleteRun({ runId: run.runId }));
    const missing = await refusal(s.as("bob").deleteRun({ runId: randomUUID() }));
    expect(foreign?.code).toBe(Code.NotFound);
    expect(missing?.code).toBe(Code.NotFound);
    expect(foreign?.findDetails(ErrorInfoSchema)[0]?.reason).toBe(missing?.findDetails(ErrorInfoSchema)[0]?.reason);
    expect(await statusOf(s.as("alice"), run.runId)).toBe(RunStatus.SUCCESS);
  });

  it("cut short by a database outage, leaves the run invisible, and a repeat finishes the delete", async () => {
    const alice = s.as("alice");
    const run = await finished(alice, randomUUID());
    const events = s.app.stores.events;
    const deleteRows = events.deleteRun.bind(events);
    events.deleteRun = async () => {
      throw new StoreUnavailableError("the database went away (test)");
    };
    try {
      expect((await refusal(alice.deleteRun({ runId: run.runId })))?.code).toBe(Code.Unavailable);
    } finally {
      events.deleteRun = deleteRows;
    }
    // Half done, and none of it shows: the run is gone for every read, its rows still stored.
    expect((await refusal(alice.getRun({ runId: run.runId })))?.code).toBe(Code.NotFound);
    expect(ids((await alice.listRuns({ threadId: run.threadId })).runs)).toEqual([]);
    expect((await events.listRunEvents(run.runId, 0, 1000)).length).toBeGreaterThan(0);
    await alice.deleteRun({ runId: run.runId });
    expect(await events.listRunEvents(run.runId, 0, 1000)).toEqual([]);
    expect(await s.app.stores.runs.markDeleting(run.runId, "alice")).toBeNull();
    expect((await refusal(alice.deleteRun({ runId: run.runId })))?.code).toBe(Code.NotFound);
  });
});

describe("a DeleteRun cut short and never repeated", () => {
  it("is finished by the lease keeper's sweep", async () => {
    // Short leases: the keeper ticks every 100 ms and sweeps every tenth tick.
    const own = await unitService({ leaseMs: 300 });
    try {
      const { run } = await own.client.waitRun({ run: { assistantId: "demo", input: userInput("hello") } });
      const events = own.app.stores.events;
      const deleteRows = events.deleteRun.bind(events);
      events.deleteRun = async () => {
        throw new StoreUnavailableError("the database went away (test)");
      };
      try {
        expect((await refusal(own.client.deleteRun({ runId: run!.runId })))?.code).toBe(Code.Unavailable);
      } finally {
        events.deleteRun = deleteRows;
      }
      expect((await refusal(own.client.getRun({ runId: run!.runId })))?.code).toBe(Code.NotFound);
      await expect.poll(async () => (await own.app.stores.runs.listDeleting(10)).length, { timeout: 10_000 }).toBe(0);
      expect(await events.listRunEvents(run!.runId, 0, 1000)).toEqual([]);
      expect((await refusal(own.client.deleteRun({ runId: run!.runId })))?.code).toBe(Code.NotFound);
    } finally {
      await own.close();
    }
  });
});

describe("CancelRuns", () => {
  it("cancels the caller's runs by id, skipping ended, unknown and other users' ones", async () => {
    const bob = s.as("bob");
    const [a, b] = [await running(bob), await running(bob)];
    const ended = await finished(bob, randomUUID());
    const alices = await running(s.as("alice"));
    const { runs } = await bob.cancelRuns({ runIds: [a.runId, ended.runId, randomUUID(), alices.runId, b.runId, a.runId] });
    expect(ids(runs)).toEqual([a.runId, b.runId]);
    expect(runs.map((r) => r.status)).toEqual([RunStatus.INTERRUPTED, RunStatus.INTERRUPTED]);
    expect(await statusOf(bob, a.runId)).toBe(RunStatus.INTERRUPTED);
    expect(await statusOf(bob, ended.runId)).toBe(RunStatus.SUCCESS);
    expect(await statusOf(s.as("alice"), alices.runId)).toBe(RunStatus.RUNNING);
    await s.as("alice").cancelRun({ runId: alices.runId, wait: true });
  });

  it("cancels a thread's running and queued runs, none of the queued ones starting", async () => {
    const bob = s.as("bob");
    const threadId = randomUUID();
    const first = await running(bob, threadId);
    const queued = [await running(bob, threadId, MultitaskStrategy.ENQUEUE), await running(bob, threadId, MultitaskStrategy.ENQUEUE)];
    expect(queued.map((r) => r.status)).toEqual([RunStatus.PENDING, RunStatus.PENDING]);
    // Another user naming the thread cancels nothing.
    expect((await s.as("alice").cancelRuns({ threadId })).runs).toEqual([]);
    const { runs } = await bob.cancelRuns({ threadId });
    expect(new Set(ids(runs))).toEqual(new Set([first.runId, ...ids(queued)]));
    expect(runs.every((r) => r.status === RunStatus.INTERRUPTED)).toBe(true);
    // The queued runs never ran: they hold their metadata (written at creation) and their end, nothing between.
    for (const run of queued) expect((await s.app.stores.events.listRunEvents(run.runId, 0, 10)).map((e) => e.kind)).toEqual(["metadata", "end"]);
    expect((await bob.cancelRuns({ threadId })).runs).toEqual([]);
  });

  it("cancels only the statuses asked for", async () => {
    const bob = s.as("bob");
    const threadId = randomUUID();
    const first = await running(bob, threadId);
    const queued = await running(bob, threadId, MultitaskStrategy.ENQUEUE);
    const { runs } = await bob.cancelRuns({ threadId, statuses: [RunStatus.PENDING] });
    expect(ids(runs)).toEqual([queued.runId]);
    expect(await statusOf(bob, first.runId)).toBe(RunStatus.RUNNING);
    expect(ids((await bob.cancelRuns({ threadId, statuses: [RunStatus.RUNNING, RunStatus.PENDING] })).runs)).toEqual([first.runId]);
  });

  it("rolls back with action rollback: the runs come back as before their deletion, then are gone", async () => {
    const bob = s.as("bob");
    const [a, b] = [await running(bob), await running(bob)];
    const { runs } = await bob.cancelRuns({ runIds: [a.runId, b.runId], action: CancelAction.ROLLBACK });
    expect(ids(runs)).toEqual([a.runId, b.runId]);
    for (const run of [a, b]) await expect.poll(() => refusal(bob.getRun({ runId: run.runId })).then((e) => e?.code)).toBe(Code.NotFound);
  });

  it("refuses both selectors, neither, or statuses with run_ids, naming the fields, and cancels nothing", async () => {
    const bob = s.as("bob");
    const run = await running(bob);
    const cases: Array<[string, Promise<unknown>, string[]]> = [
      ["both", bob.cancelRuns({ runIds: [run.runId], threadId: run.threadId }), ["run_ids", "thread_id"]],
      ["neither", bob.cancelRuns({}), ["run_ids", "thread_id"]],
      ["statuses with run_ids", bob.cancelRuns({ runIds: [run.runId], statuses: [RunStatus.RUNNING] }), ["statuses"]],
      ["an ended status", bob.cancelRuns({ threadId: run.threadId, statuses: [RunStatus.SUCCESS] }), ["statuses[0]"]],
      ["an unknown action", bob.cancelRuns({ runIds: [run.runId], action: 7 as CancelAction }), ["action"]],
      ["an empty id", bob.cancelRuns({ runIds: [""] }), ["run_ids[0]"]],
    ];
    for (const [what, call, fields] of cases) {
      const error = await refusal(call);
      expect(error?.code, what).toBe(Code.InvalidArgument);
      expect(fieldsOf(error), what).toEqual(fields);
    }
    expect(await statusOf(bob, run.runId)).toBe(RunStatus.RUNNING);
    await bob.cancelRun({ runId: run.runId, wait: true });
  });
});
