// ListRuns, DeleteRun and CancelRuns end to end on the MongoDB store (a real
// MongoDB-wire server of this file's own, so it can be frozen), and a
// DeleteRun cut short by a real outage: the database stops answering between
// the delete's steps, the call fails UNAVAILABLE, the run is already invisible,
// and a repeat once the database is back finishes the delete.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { MongoClient } from "mongodb";
import { MultitaskStrategy, RunStatus, type Run } from "../gen/agentruns/v1/runs_pb.js";
import { startMongoServer, type MongoServerHandle } from "./mongo-server/server.js";
import { clientsOf, startTestServer, userInput, type RunsClient, type TestServer } from "./helpers/server.js";

// Short, so calls on the frozen database give up well inside the test's timeout.
const STORE_TIMEOUT_MS = 1000;
const DATABASE = "run_resources";
let mongo: MongoServerHandle;
let t: TestServer;
let db: MongoClient;

beforeAll(async () => {
  mongo = await startMongoServer();
  const auth = { api_keys: ["alice", "bob"].map((u) => ({ key: u, user_id: u })) };
  t = await startTestServer({ store: "mongodb", mongodbUri: mongo.uri, mongodbDatabase: DATABASE, storeTimeoutMs: STORE_TIMEOUT_MS }, { auth });
  db = await MongoClient.connect(mongo.uri);
});
afterAll(async () => {
  await db?.close();
  await t?.stop();
  await mongo?.stop();
});

function as(user: string): RunsClient {
  return clientsOf(
    createConnectTransport({
      baseUrl: t.url,
      httpVersion: "1.1",
      interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${user}`), next(req))],
    }),
  );
}

const refusal = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));
const ids = (runs: Run[]) => runs.map((r) => r.runId);
const count = (collection: string, runId: string) => db.db(DATABASE).collection(collection).countDocuments(collection === "runs" ? { _id: runId as never } : { run_id: runId });

async function finished(client: RunsClient, threadId: string): Promise<Run> {
  return (await client.waitRun({ run: { assistantId: "demo", threadId, input: userInput("hello") } })).run!;
}

async function running(client: RunsClient, threadId = randomUUID(), strategy = MultitaskStrategy.REJECT): Promise<Run> {
  const { run } = await client.createRun({ run: { assistantId: "demo", threadId, input: userInput("slow"), context: { delay_ms: 60_000 }, multitaskStrategy: strategy } });
  return run!;
}

describe("on the MongoDB store", () => {
  it("ListRuns pages the caller's runs newest first, every run once, on all threads or one", async () => {
    const alice = as("alice");
    const [t1, t2] = [randomUUID(), randomUUID()];
    const made: Run[] = [];
    for (const threadId of [t1, t2, t1, t2, t1]) made.push(await finished(alice, threadId));
    await finished(as("bob"), randomUUID());
    const newest = [...made].sort((a, b) => timestampMs(b.createTime!) - timestampMs(a.createTime!) || (a.runId < b.runId ? 1 : -1));
    const seen: Run[] = [];
    let pageToken = "";
    do {
      const page = await alice.listRuns({ pageSize: 2, pageToken });
      seen.push(...page.runs);
      pageToken = page.nextPageToken;
    } while (pageToken !== "");
    expect(ids(seen)).toEqual(ids(newest));
    expect(ids((await alice.listRuns({ threadId: t1 })).runs)).toEqual(ids(newest.filter((r) => r.threadId === t1)));
    expect((await alice.listRuns({ statuses: [RunStatus.ERROR] })).runs).toEqual([]);
    expect((await as("bob").listRuns({ threadId: t1 })).runs).toEqual([]);
    const token = (await alice.listRuns({ pageSize: 1 })).nextPageToken;
    expect((await refusal(as("bob").listRuns({ pageToken: token })))?.code).toBe(Code.InvalidArgument);
  });

  it("DeleteRun removes the run, its events, messages and feedback from the database", async () => {
    const alice = as("alice");
    const run = await finished(alice, randomUUID());
    await alice.createRunFeedback({ runId: run.runId, rating: 1 });
    expect(await count("run_events", run.runId)).toBeGreaterThan(0);
    expect((await refusal(as("bob").deleteRun({ runId: run.runId })))?.code).toBe(Code.NotFound);
    await alice.deleteRun({ runId: run.runId });
    for (const collection of ["runs", "run_events", "feedback"]) expect(await count(collection, run.runId), collection).toBe(0);
    expect((await refusal(alice.getRun({ runId: run.runId })))?.code).toBe(Code.NotFound);
    const active = await running(alice);
    expect((await refusal(alice.deleteRun({ runId: active.runId })))?.code).toBe(Code.FailedPrecondition);
    await alice.cancelRun({ runId: active.runId, wait: true });
  });

  it("CancelRuns cancels a thread's running and queued runs, and by id only the caller's", async () => {
    const alice = as("alice");
    const threadId = randomUUID();
    const first = await running(alice, threadId);
    const queued = await running(alice, threadId, MultitaskStrategy.ENQUEUE);
    const bobs = await running(as("bob"));
    expect((await alice.cancelRuns({ runIds: [bobs.runId] })).runs).toEqual([]);
    const { runs } = await alice.cancelRuns({ threadId });
    expect(new Set(ids(runs))).toEqual(new Set([first.runId, queued.runId]));
    expect(runs.map((r) => r.status)).toEqual([RunStatus.INTERRUPTED, RunStatus.INTERRUPTED]);
    expect((await as("bob").getRun({ runId: bobs.runId })).run?.status).toBe(RunStatus.RUNNING);
    expect(ids((await as("bob").cancelRuns({ runIds: [bobs.runId] })).runs)).toEqual([bobs.runId]);
  });

  it("DeleteRun cut short by an outage leaves nothing visible, and a repeat finishes it", async () => {
    const alice = as("alice");
    const run = await finished(alice, randomUUID());
    await alice.createRunFeedback({ runId: run.runId, rating: -1 });
    // The database freezes right after the run is marked and its feedback deleted, as the events go.
    const events = t.server.app.stores.events as { deleteRun(runId: string): Promise<void> };
    const deleteRows = events.deleteRun;
    events.deleteRun = async (runId) => {
      mongo.kill("SIGSTOP");
      return deleteRows(runId);
    };
    try {
      expect((await refusal(alice.deleteRun({ runId: run.runId })))?.code).toBe(Code.Unavailable);
    } finally {
      delete (events as Partial<typeof events>).deleteRun;
      mongo.kill("SIGCONT");
    }
    // Half done: the record is still stored, marked, and no read shows it.
    expect(await db.db(DATABASE).collection("runs").findOne({ _id: run.runId as never })).toMatchObject({ deleting: true });
    expect(await count("feedback", run.runId)).toBe(0);
    expect((await refusal(alice.getRun({ runId: run.runId })))?.code).toBe(Code.NotFound);
    expect((await refusal(alice.listRunMessages({ runId: run.runId })))?.code).toBe(Code.NotFound);
    expect(ids((await alice.listRuns({ threadId: run.threadId })).runs)).toEqual([]);
    await alice.deleteRun({ runId: run.runId });
    for (const collection of ["runs", "run_events", "feedback"]) expect(await count(collection, run.runId), collection).toBe(0);
    expect((await refusal(alice.deleteRun({ runId: run.runId })))?.code).toBe(Code.NotFound);
  });
});
