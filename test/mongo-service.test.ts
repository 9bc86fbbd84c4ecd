// The service end to end on the MongoDB store: runs, events, messages,
// feedback and LangGraph checkpoints (MongoDBSaver) all in the database.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { MongoClient } from "mongodb";
import { MultitaskStrategy, RunStatus, StreamMode } from "../gen/agentruns/v1/runs_pb.js";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { ACTIVE_STATUSES, TERMINAL_STATUSES } from "../src/domain/records.js";
import { events, eventIds, expectStrictlyIncreasing, metadataOf } from "./helpers/events.js";
import { collect, startTestServer, userInput, type TestServer } from "./helpers/server.js";

let t: TestServer;
const database = `svc_${randomUUID().slice(0, 8)}`;
beforeAll(async () => {
  t = await startTestServer({ store: "mongodb", mongodbUri: inject("mongodbUri"), mongodbDatabase: database });
});
afterAll(() => t.stop());

describe("on the MongoDB store", () => {
  it("creates the collections and indexes at start-up", async () => {
    const client = await MongoClient.connect(inject("mongodbUri"));
    try {
      const db = client.db(database);
      const names = (await db.listCollections().toArray()).map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(["runs", "run_events", "feedback"]));
      const eventIndexes = await db.collection("run_events").indexes();
      expect(eventIndexes.find((i) => i.name === "events_thread_seq")).toMatchObject({ unique: true, key: { thread_id: 1, seq: 1 } });
      const feedbackIndexes = await db.collection("feedback").indexes();
      expect(feedbackIndexes.find((i) => i.name === "feedback_run_user")).toMatchObject({ unique: true });
    } finally {
      await client.close();
    }
  });

  it("streams a run and serves its final state from MongoDBSaver", async () => {
    const responses = await collect(
      t.grpc.streamRun({ run: { assistantId: "demo", input: userInput("mongo backed run"), streamMode: [StreamMode.UPDATES, StreamMode.CUSTOM], context: { custom_events: 5 } } }),
    );
    const evs = events(responses);
    expect(evs[0]?.kind.case).toBe("metadata");
    expect(evs.at(-1)?.kind.case).toBe("end");
    expectStrictlyIncreasing(eventIds(responses));
    const threadId = metadataOf(evs[0])!.threadId;
    const second = await t.connectJson.waitRun({ run: { assistantId: "demo", threadId, input: userInput("and again") } });
    expect(second.run?.status).toBe(RunStatus.SUCCESS);
    expect((second.values?.["messages"] as unknown[]).length).toBe(8);
  });

  it("pages messages and keeps user JSON with '.' and '$' keys exact", async () => {
    const input = { messages: [{ role: "user", content: "odd", "x.y": { $ne: 1 } }], "$where": "1" };
    const res = await t.connectJson.waitRun({ run: { assistantId: "demo", input, metadata: { "a.b": { $in: [1] } } } });
    expect((await t.connectJson.getRun({ runId: res.run!.runId })).run?.metadata).toEqual({ "a.b": { $in: [1] } });
    const page = await t.connectJson.listRunMessages({ runId: res.run!.runId, limit: 2 });
    expect(page.messages).toHaveLength(2);
    expect(page.hasMore).toBe(true);
    const first = await t.connectJson.listRunMessages({ runId: res.run!.runId, afterSeq: 1n, limit: 1 });
    expect(first.messages[0]!.message).toMatchObject({ type: "human", content: "odd", "x.y": { $ne: 1 } });
  });

  it("keeps feedback one per (run, user)", async () => {
    const res = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("rate") } });
    await t.connectJson.createRunFeedback({ runId: res.run!.runId, rating: 1 });
    const error = await t.connectJson.createRunFeedback({ runId: res.run!.runId, rating: -1 }).catch((e: unknown) => e);
    expect((error as ConnectError).code).toBe(Code.AlreadyExists);
  });

  it("answers NOT_FOUND for an operator-shaped run id", async () => {
    const error = await t.connectJson.getRun({ runId: '{"$ne": null}' }).catch((e: unknown) => e);
    expect((error as ConnectError).code).toBe(Code.NotFound);
  });

  it("enqueues runs on one thread and runs them in order", async () => {
    const threadId = randomUUID();
    const texts = ["one", "two", "three"];
    const stored = async () => (await t.server.app.stores.runs.listByThread(threadId, [...ACTIVE_STATUSES, ...TERMINAL_STATUSES])).length;
    // Each is created once the one before it is stored, so the creation order is one, two, three.
    const pending: Array<ReturnType<typeof t.connectJson.waitRun>> = [];
    for (const text of texts) {
      pending.push(t.connectJson.waitRun({ run: { assistantId: "demo", threadId, input: userInput(text), multitaskStrategy: MultitaskStrategy.ENQUEUE, context: { delay_ms: 100 } } }));
      await expect.poll(stored, { interval: 5 }).toBe(pending.length);
    }
    const results = await Promise.all(pending);
    for (const r of results) expect(r.run?.status).toBe(RunStatus.SUCCESS);
    const runs = await Promise.all(
      results.map(async (r) => ({
        ids: eventIds(await collect(t.connectJson.joinRun({ runId: r.run!.runId }))),
        run: (await t.connectJson.getRun({ runId: r.run!.runId })).run!,
      })),
    );
    for (let k = 1; k < runs.length; k++) {
      const [previous, run] = [runs[k - 1]!, runs[k]!];
      // Queued while "one" ran; executed only once the run created before it had ended.
      expect(run.ids[0]! < runs[0]!.ids.at(-1)!, `${texts[k]} was not queued behind one`).toBe(true);
      expect(run.ids.slice(1).every((id) => id > previous.ids.at(-1)!), `${texts[k]} ran before ${texts[k - 1]} ended`).toBe(true);
      expect(timestampMs(run.run.createTime!)).toBeGreaterThanOrEqual(timestampMs(previous.run.createTime!));
      expect(timestampMs(run.run.updateTime!)).toBeGreaterThan(timestampMs(previous.run.updateTime!));
    }
    const last = await t.connectJson.waitRun({ run: { assistantId: "demo", threadId, input: userInput("four") } });
    const contents = (last.values?.["messages"] as Array<{ content: string }>).map((m) => m.content);
    expect(contents.length).toBe(16);
    // The thread holds their inputs in the order they ran.
    expect(contents.filter((c) => [...texts, "four"].includes(c))).toEqual([...texts, "four"]);
  });
});
