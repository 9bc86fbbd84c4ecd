// ThreadsService's resource RPCs end to end on the MongoDB store (a real
// MongoDB-wire server of this file's own, so it can be frozen): create, get,
// update, search, delete, the status runs leave, documents stored before
// threads had metadata and a status, and a DeleteThread cut short by an
// outage that a repeat finishes.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { MongoClient } from "mongodb";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { IfExists, ThreadStatus, type Thread } from "../gen/agentruns/v1/threads_pb.js";
import { startMongoServer, type MongoServerHandle } from "./mongo-server/server.js";
import { newRun } from "./helpers/records.js";
import { startTestServer, userInput, type TestServer } from "./helpers/server.js";

const database = `threads_${randomUUID().slice(0, 8)}`;
let mongo: MongoServerHandle;
let t: TestServer;
let raw: MongoClient;
beforeAll(async () => {
  mongo = await startMongoServer();
  t = await startTestServer({ store: "mongodb", mongodbUri: mongo.uri, mongodbDatabase: database, storeTimeoutMs: 1000 });
  raw = await MongoClient.connect(mongo.uri);
});
afterAll(async () => {
  await raw?.close();
  await t?.stop();
  await mongo?.stop();
});

const failure = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));
const db = () => raw.db(database);
const threads = () => t.connectJson.threads;

/** What is left of a thread in every collection DeleteThread empties. */
async function leftOf(threadId: string, runIds: string[]) {
  return {
    threads: await db().collection("threads").countDocuments({ _id: threadId as never }),
    runs: await db().collection("runs").countDocuments({ thread_id: threadId }),
    events: await db().collection("run_events").countDocuments({ run_id: { $in: runIds } }),
    feedback: await db().collection("feedback").countDocuments({ run_id: { $in: runIds } }),
    checkpoints: await db().collection("checkpoints").countDocuments({ thread_id: threadId }),
    writes: await db().collection("checkpoint_writes").countDocuments({ thread_id: threadId }),
  };
}
const nothing = { threads: 0, runs: 0, events: 0, feedback: 0, checkpoints: 0, writes: 0 };

describe("ThreadsService on MongoDB", () => {
  it("CreateThread: with an id and metadata ('.' and '$' keys kept), a taken id ALREADY_EXISTS, DO_NOTHING the existing thread", async () => {
    const threadId = `deer-${randomUUID()}`;
    const metadata = { "a.b": { $gt: 1 }, $where: "x", list: [1, "two"] };
    const { thread } = await threads().createThread({ threadId, metadata });
    expect(thread).toMatchObject({ threadId, status: ThreadStatus.IDLE, metadata });
    expect((await failure(threads().createThread({ threadId })))?.code).toBe(Code.AlreadyExists);
    expect((await threads().createThread({ threadId, metadata: { other: 1 }, ifExists: IfExists.DO_NOTHING })).thread).toEqual(thread);
  });

  it("GetThread and UpdateThread: merges metadata, a null removing its key; a missing thread NOT_FOUND", async () => {
    const { thread } = await threads().createThread({ metadata: { keep: 1, drop: 2 } });
    const { thread: updated } = await threads().updateThread({ threadId: thread!.threadId, metadata: { drop: null, "x.y": true } });
    expect(updated?.metadata).toEqual({ keep: 1, "x.y": true });
    expect((await threads().getThread({ threadId: thread!.threadId })).thread).toEqual(updated);
    expect((await failure(threads().getThread({ threadId: randomUUID() })))?.code).toBe(Code.NotFound);
  });

  it("SearchThreads: pages by token with a metadata filter, every match once, newest first; filters by status", async () => {
    const team = randomUUID();
    const made: Thread[] = [];
    for (let i = 0; i < 12; i++) made.push((await threads().createThread({ metadata: { team, i } })).thread!);
    // Newest first; threads created in the same millisecond by id, descending.
    const ms = (x: Thread) => timestampMs(x.createTime!);
    const expected = made.sort((a, b) => ms(b) - ms(a) || (a.threadId < b.threadId ? 1 : -1)).map((x) => x.threadId);
    const seen: string[] = [];
    let pageToken = "";
    do {
      const page = await threads().searchThreads({ metadata: { team }, pageSize: 5, pageToken });
      seen.push(...page.threads.map((x) => x.threadId));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(seen).toEqual(expected);
    const asked = (await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("ask"), context: { interrupt: true } } })).run!;
    const failed = (await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("x"), context: { fail: true } } })).run!;
    expect(failed.status).toBe(RunStatus.ERROR);
    const interrupted = await threads().searchThreads({ statuses: [ThreadStatus.INTERRUPTED] });
    expect(interrupted.threads.map((x) => x.threadId)).toContain(asked.threadId);
    const errored = await threads().searchThreads({ statuses: [ThreadStatus.ERROR] });
    expect(errored.threads.map((x) => x.threadId)).toEqual([failed.threadId]);
    await t.connectJson.waitRun({ run: { assistantId: "demo", threadId: asked.threadId, command: { resume: "yes" }, context: { interrupt: true } } });
    expect((await threads().getThread({ threadId: asked.threadId })).thread?.status).toBe(ThreadStatus.IDLE);
  });

  it("reads a thread document stored before threads had metadata and a status as {} and idle, and updates it", async () => {
    const threadId = randomUUID();
    const { run } = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("old") } });
    const now = new Date();
    await db().collection("threads").insertOne({ _id: threadId as never, user_id: run!.userId, active_run_id: null, created_at: now, updated_at: now });
    expect((await threads().getThread({ threadId })).thread).toMatchObject({ threadId, metadata: {}, status: ThreadStatus.IDLE });
    expect((await threads().searchThreads({ statuses: [ThreadStatus.IDLE], pageSize: 200 })).threads.map((x) => x.threadId)).toContain(threadId);
    expect((await threads().updateThread({ threadId, metadata: { now: "new" } })).thread?.metadata).toEqual({ now: "new" });
  });

  it("DeleteThread: the thread, its runs, events, messages, feedback and checkpoints", async () => {
    const first = (await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("one") } })).run!;
    const second = (await t.connectJson.waitRun({ run: { assistantId: "demo", threadId: first.threadId, input: userInput("two") } })).run!;
    await t.connectJson.createRunFeedback({ runId: second.runId, rating: -1 });
    const runIds = [first.runId, second.runId];
    expect((await leftOf(first.threadId, runIds)).checkpoints).toBeGreaterThan(0);
    await threads().deleteThread({ threadId: first.threadId });
    expect(await leftOf(first.threadId, runIds)).toEqual(nothing);
    expect((await failure(t.connectJson.getRun({ runId: first.runId })))?.code).toBe(Code.NotFound);
  });

  it("DeleteThread cut short by an outage leaves the thread invisible, and a repeat finishes it", async () => {
    const { run } = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("before the outage") } });
    const { threadId, userId } = run!;
    // Enough runs that the delete is still removing them when the database freezes.
    const extra = Array.from({ length: 300 }, () => newRun({ threadId, userId, status: "success" }));
    for (const r of extra) await t.server.app.stores.runs.insert(r);
    const runIds = [run!.runId, ...extra.map((r) => r.runId)];
    const deleting = threads().deleteThread({ threadId }).then(() => null, (e: unknown) => ConnectError.from(e));
    // Frozen right after the first step (the thread marked), mid-way through its parts.
    while (!(await db().collection("threads").findOne({ _id: threadId as never, deleting: true }))) await new Promise((r) => setImmediate(r));
    mongo.kill("SIGSTOP");
    let error: ConnectError | null;
    try {
      error = await deleting;
    } finally {
      mongo.kill("SIGCONT");
    }
    expect(error?.code).toBe(Code.Unavailable);
    const half = await leftOf(threadId, runIds);
    expect(half.threads).toBe(1);
    expect(half.runs).toBeGreaterThan(0);
    expect((await failure(threads().getThread({ threadId })))?.code).toBe(Code.NotFound);
    expect((await threads().searchThreads({ pageSize: 200 })).threads.map((x) => x.threadId)).not.toContain(threadId);
    expect((await failure(t.connectJson.waitRun({ run: { assistantId: "demo", threadId, input: userInput("x") } })))?.code).toBe(Code.NotFound);
    await threads().deleteThread({ threadId });
    expect(await leftOf(threadId, runIds)).toEqual(nothing);
  });
});
