// A thread's state, history and messages on the MongoDB store: the state and
// history come from MongoDBSaver's checkpoints, the messages from run_events.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { Durability, RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { startTestServer, userInput, type TestServer } from "./helpers/server.js";

let t: TestServer;
const database = `state_${randomUUID().slice(0, 8)}`;
beforeAll(async () => {
  t = await startTestServer({ store: "mongodb", mongodbUri: inject("mongodbUri"), mongodbDatabase: database });
});
afterAll(() => t.stop());

const failure = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));
const history = async (threadId: string) => (await t.grpc.threads.listThreadHistory({ threadId, pageSize: 200 })).states;

describe("thread state on the MongoDB store", () => {
  it("GetThreadState shows an interrupt from MongoDBSaver, and the resume finishes the thread", async () => {
    const { run } = await t.grpc.waitRun({ run: { assistantId: "demo", input: userInput("mongo asks first"), context: { interrupt: true } } });
    const { state } = await t.grpc.threads.getThreadState({ threadId: run!.threadId });
    expect(state?.next).toEqual(["agent"]);
    expect(toJson(ValueSchema, state!.tasks[0]!.interrupts[0]!.value!)).toMatchObject({ question: "Send this answer?" });
    const resumed = await t.grpc.waitRun({ run: { assistantId: "demo", threadId: run!.threadId, command: { resume: "yes" }, context: { interrupt: true } } });
    expect(resumed.run?.status).toBe(RunStatus.SUCCESS);
    const after = await t.grpc.threads.getThreadState({ threadId: run!.threadId });
    expect(after.state?.next).toEqual([]);
    const earlier = await t.grpc.threads.getThreadState({ threadId: run!.threadId, checkpointId: state!.checkpointId });
    expect(earlier.state?.next).toEqual(["agent"]);
    const missing = await failure(t.grpc.threads.getThreadState({ threadId: run!.threadId, checkpointId: "1f0aaaaa-0000-6000-8000-000000000000" }));
    expect(missing?.code).toBe(Code.NotFound);
  });

  it("UpdateThreadState forks a checkpoint in MongoDB that the next run starts from", async () => {
    const { run } = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("update me") } });
    const threadId = run!.threadId;
    const { checkpointId } = await t.connectJson.threads.updateThreadState({
      threadId,
      values: { messages: [{ type: "human", content: "by hand", id: "mongo-hand" }] },
      asNode: "agent",
    });
    expect((await t.connectJson.threads.getThreadState({ threadId })).state?.checkpointId).toBe(checkpointId);
    const next = await t.connectJson.waitRun({ run: { assistantId: "demo", threadId, input: userInput("next") } });
    expect((next.values?.["messages"] as Array<{ id: string }>).map((m) => m.id)).toContain("mongo-hand");
    const unknown = await failure(t.connectJson.threads.updateThreadState({ threadId, values: { messages: [] }, asNode: "nope" }));
    expect(unknown?.code).toBe(Code.InvalidArgument);
  });

  it("ListThreadHistory pages MongoDBSaver's checkpoints newest first, each once, with before and a metadata filter", async () => {
    const { run } = await t.grpc.waitRun({ run: { assistantId: "demo", input: userInput("history in mongo") } });
    const threadId = run!.threadId;
    await t.grpc.threads.updateThreadState({ threadId, values: { messages: [{ type: "human", content: "u", id: "u" }] }, asNode: "agent" });
    const all = await history(threadId);
    const ids = all.map((h) => h.checkpointId);
    expect(ids.length).toBeGreaterThan(4);
    for (let i = 0; i + 1 < all.length; i++) expect(all[i]!.parentCheckpointId).toBe(all[i + 1]!.checkpointId);
    const paged: string[] = [];
    let pageToken = "";
    do {
      const page = await t.grpc.threads.listThreadHistory({ threadId, pageSize: 2, pageToken });
      paged.push(...page.states.map((h) => h.checkpointId));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(paged).toEqual(ids);
    expect((await t.grpc.threads.listThreadHistory({ threadId, beforeCheckpointId: ids[1]!, pageSize: 200 })).states.map((h) => h.checkpointId)).toEqual(ids.slice(2));
    const updates = await t.grpc.threads.listThreadHistory({ threadId, metadata: { source: "update" } });
    expect(updates.states.map((h) => h.checkpointId)).toEqual([ids[0]]);
  });

  it("ListThreadMessages pages run_events' messages across a thread's runs", async () => {
    const first = await t.grpc.waitRun({ run: { assistantId: "demo", input: userInput("first in mongo") } });
    const threadId = first.run!.threadId;
    const second = await t.grpc.waitRun({ run: { assistantId: "demo", threadId, input: userInput("second in mongo") } });
    const ofRun = async (runId: string) => (await t.grpc.listRunMessages({ runId, limit: 200 })).messages;
    const expected = [...(await ofRun(first.run!.runId)), ...(await ofRun(second.run!.runId))];
    expect(expected).toHaveLength(8);
    const last = await t.grpc.threads.listThreadMessages({ threadId, limit: 3 });
    expect(last.messages).toEqual(expected.slice(5));
    expect(last.hasMore).toBe(true);
    const before = await t.grpc.threads.listThreadMessages({ threadId, limit: 5, beforeSeq: last.messages[0]!.seq });
    expect(before.messages).toEqual(expected.slice(0, 5));
    expect(before.hasMore).toBe(false);
    const after = await t.grpc.threads.listThreadMessages({ threadId, afterSeq: expected[3]!.seq, limit: 200 });
    expect(after.messages).toEqual(expected.slice(4));
  });

  it("durability exit leaves one checkpoint in MongoDB where async leaves one per step", async () => {
    const counts: number[] = [];
    for (const durability of [Durability.EXIT, Durability.ASYNC]) {
      const { run } = await t.grpc.waitRun({ run: { assistantId: "demo", input: userInput("durable"), durability } });
      counts.push((await history(run!.threadId)).length);
    }
    expect(counts[0]).toBe(1);
    expect(counts[1]).toBeGreaterThan(3);
  });
});
