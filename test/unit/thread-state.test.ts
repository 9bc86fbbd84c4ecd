// A thread's checkpointed state (GetThreadState, UpdateThreadState), its
// history (ListThreadHistory) and its messages across runs
// (ListThreadMessages), and RunCreate.durability, on the memory store.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Durability, RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { unitService, userInput, type UnitService } from "./harness.js";

let s: UnitService;
beforeAll(async () => {
  s = await unitService({}, { auth: { api_keys: [{ key: "alice", user_id: "alice" }, { key: "bob", user_id: "bob" }] } });
});
afterAll(() => s.close());

const alice = () => s.as("alice");
const bob = () => s.as("bob");
const failure = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));
const fieldOf = (error: ConnectError | null) => error?.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field;
const reasonOf = (error: ConnectError | null) => error?.findDetails(ErrorInfoSchema)[0]?.reason;

/** A finished demo run on a new (or the given) thread of alice's; returns the thread id. */
async function demoRun(text: string, extra: Record<string, unknown> = {}): Promise<string> {
  const { run } = await alice().waitRun({ run: { assistantId: "demo", input: userInput(text), ...extra } });
  expect(run?.status).toBe(RunStatus.SUCCESS);
  return run!.threadId;
}

/** Every checkpoint of the thread, newest first, in one page. */
async function allHistory(threadId: string, client = alice()) {
  return (await client.threads.listThreadHistory({ threadId, pageSize: 200 })).states;
}

describe("GetThreadState", () => {
  it("shows an interrupted thread's next node and its task's interrupt, and the resume goes on from there", async () => {
    const { run } = await alice().waitRun({ run: { assistantId: "demo", input: userInput("ask me first"), context: { interrupt: true } } });
    // A graph stopped at interrupt() ends its run normally; the thread waits for the resume.
    expect(run?.status).toBe(RunStatus.SUCCESS);
    const { state } = await alice().threads.getThreadState({ threadId: run!.threadId });
    expect(state?.next).toEqual(["agent"]);
    expect(state?.tasks).toHaveLength(1);
    const task = state!.tasks[0]!;
    expect(task.name).toBe("agent");
    expect(task.interrupts).toHaveLength(1);
    expect(task.interrupts[0]!.id).not.toBe("");
    expect(toJson(ValueSchema, task.interrupts[0]!.value!)).toEqual({ question: "Send this answer?", answer: "The text has 3 words." });
    expect(state?.checkpointId).not.toBe("");
    expect(state?.parentCheckpointId).not.toBe("");
    expect(state?.createTime).toBeDefined();
    expect(state?.metadata).toMatchObject({ source: "loop" });
    expect((state?.values?.["messages"] as unknown[]).length).toBe(3);

    const resumed = await alice().waitRun({ run: { assistantId: "demo", threadId: run!.threadId, command: { resume: "yes" }, context: { interrupt: true } } });
    expect(resumed.run?.status).toBe(RunStatus.SUCCESS);
    const after = (await alice().threads.getThreadState({ threadId: run!.threadId })).state!;
    expect(after.next).toEqual([]);
    expect(after.tasks).toEqual([]);
    expect(JSON.stringify(after.values)).toContain("The text has 3 words.");
  });

  it("reads the state at an earlier checkpoint, and answers NOT_FOUND naming a checkpoint of another thread", async () => {
    const threadId = await demoRun("one two");
    const other = await demoRun("three");
    const history = await allHistory(threadId);
    const first = history.at(-1)!;
    const { state } = await alice().threads.getThreadState({ threadId, checkpointId: first.checkpointId });
    expect(state?.checkpointId).toBe(first.checkpointId);
    expect(state?.parentCheckpointId).toBe("");
    expect(state?.next).toEqual(["__start__"]);
    const foreign = (await allHistory(other))[0]!.checkpointId;
    const error = await failure(alice().threads.getThreadState({ threadId, checkpointId: foreign }));
    expect(error?.code).toBe(Code.NotFound);
    expect(reasonOf(error)).toBe("CHECKPOINT_NOT_FOUND");
    expect(error?.rawMessage).toContain(foreign);
  });

  it("is empty for a thread no run has written to", async () => {
    const threadId = randomUUID();
    await s.app.stores.threads.ensure(threadId, "alice");
    const { state } = await alice().threads.getThreadState({ threadId });
    expect(state?.checkpointId).toBe("");
    expect(state?.values).toEqual({});
    expect(state?.next).toEqual([]);
    expect(await allHistory(threadId)).toEqual([]);
    const update = await failure(alice().threads.updateThreadState({ threadId, values: { messages: [] } }));
    expect(update?.code).toBe(Code.FailedPrecondition);
    expect(reasonOf(update)).toBe("THREAD_HAS_NO_GRAPH");
  });
});

describe("UpdateThreadState", () => {
  it("writes values through the reducers as a new checkpoint, and the next run sees them", async () => {
    const threadId = await demoRun("count these words");
    const before = await allHistory(threadId);
    const { checkpointId } = await alice().threads.updateThreadState({
      threadId,
      values: { messages: [{ type: "human", content: "inserted by hand", id: "hand-1" }] },
      asNode: "agent",
    });
    const { state } = await alice().threads.getThreadState({ threadId });
    expect(state?.checkpointId).toBe(checkpointId);
    expect(state?.parentCheckpointId).toBe(before[0]!.checkpointId);
    expect(state?.metadata).toMatchObject({ source: "update" });
    const messages = state?.values?.["messages"] as Array<{ content: string; id: string }>;
    expect(messages).toHaveLength(5);
    expect(messages.at(-1)).toMatchObject({ content: "inserted by hand", id: "hand-1" });
    const next = await alice().waitRun({ run: { assistantId: "demo", threadId, input: userInput("and then") } });
    const seen = next.values?.["messages"] as Array<{ content: string; id: string }>;
    expect(seen.map((m) => m.id)).toContain("hand-1");
  });

  it("without as_node counts the values as the last node's, as LangGraph does", async () => {
    const threadId = await demoRun("no node named");
    await alice().threads.updateThreadState({ threadId, values: { messages: [{ role: "user", content: "appended", id: "plain-1" }] } });
    const { state } = await alice().threads.getThreadState({ threadId });
    expect(state?.metadata?.["source"]).toBe("update");
    expect((state?.values?.["messages"] as Array<{ id: string }>).at(-1)?.id).toBe("plain-1");
  });

  it("forks from an earlier checkpoint: the new checkpoint follows it, and the latest values are the fork's", async () => {
    const threadId = await demoRun("fork me");
    const history = await allHistory(threadId);
    const input = history.find((h) => h.metadata?.["source"] === "input")!;
    const afterInput = history.find((h) => h.parentCheckpointId === input.checkpointId)!;
    const { checkpointId } = await alice().threads.updateThreadState({
      threadId,
      values: { messages: [{ type: "ai", content: "a different answer", id: "fork-1" }] },
      asNode: "agent",
      checkpointId: afterInput.checkpointId,
    });
    const { state } = await alice().threads.getThreadState({ threadId });
    expect(state?.checkpointId).toBe(checkpointId);
    expect(state?.parentCheckpointId).toBe(afterInput.checkpointId);
    const contents = (state?.values?.["messages"] as Array<{ content: string }>).map((m) => m.content);
    expect(contents).toEqual(["fork me", "a different answer"]);
  });

  it("refuses an unknown as_node, a checkpoint of another thread, and a thread with an active run", async () => {
    const threadId = await demoRun("refusals");
    const unknown = await failure(alice().threads.updateThreadState({ threadId, values: { messages: [] }, asNode: "nope" }));
    expect(unknown?.code).toBe(Code.InvalidArgument);
    expect(fieldOf(unknown)).toBe("as_node");
    expect(unknown?.rawMessage).toContain('"nope"');
    const notMessage = await failure(alice().threads.updateThreadState({ threadId, values: { messages: [{ role: "user", content: "ok" }, { foo: 1 }] } }));
    expect(fieldOf(notMessage)).toBe("values.messages[1]");
    expect(fieldOf(await failure(alice().threads.updateThreadState({ threadId, values: { messages: 5 } })))).toBe("values.messages");
    const other = (await allHistory(await demoRun("elsewhere")))[0]!.checkpointId;
    const foreign = await failure(alice().threads.updateThreadState({ threadId, values: { messages: [] }, checkpointId: other }));
    expect(foreign?.code).toBe(Code.NotFound);
    expect(foreign?.rawMessage).toContain(other);

    const count = (await allHistory(threadId)).length;
    const { run } = await alice().createRun({ run: { assistantId: "demo", threadId, input: userInput("slow"), context: { delay_ms: 30_000 } } });
    const busy = await failure(alice().threads.updateThreadState({ threadId, values: { messages: [] }, asNode: "agent" }));
    expect(busy?.code).toBe(Code.FailedPrecondition);
    expect(reasonOf(busy)).toBe("THREAD_BUSY");
    await alice().cancelRun({ runId: run!.runId, wait: true });
    // Refused updates wrote nothing (the cancelled run wrote its input checkpoints).
    const states = await allHistory(threadId);
    expect(states.filter((h) => h.metadata?.["source"] === "update")).toEqual([]);
    expect(states.length).toBeGreaterThanOrEqual(count);
  });
});

describe("ListThreadHistory", () => {
  it("pages every checkpoint once, newest first, with before_checkpoint_id and a metadata filter", async () => {
    const threadId = await demoRun("history of a thread");
    await alice().threads.updateThreadState({ threadId, values: { messages: [{ type: "human", content: "x", id: "u1" }] }, asNode: "agent" });
    await demoRun("second turn", { threadId });
    const all = await allHistory(threadId);
    expect(all.length).toBeGreaterThan(6);
    const ids = all.map((h) => h.checkpointId);
    expect(new Set(ids).size).toBe(ids.length);
    // Newest first: each checkpoint's parent comes after it.
    for (let i = 0; i + 1 < all.length; i++) expect(all[i]!.parentCheckpointId).toBe(all[i + 1]!.checkpointId);
    const paged: string[] = [];
    let pageToken = "";
    do {
      const page = await alice().threads.listThreadHistory({ threadId, pageSize: 3, pageToken });
      expect(page.states.length).toBeLessThanOrEqual(3);
      paged.push(...page.states.map((h) => h.checkpointId));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(paged).toEqual(ids);
    expect((await alice().threads.listThreadHistory({ threadId })).states).toHaveLength(Math.min(10, ids.length));

    const older = await alice().threads.listThreadHistory({ threadId, beforeCheckpointId: ids[2]!, pageSize: 200 });
    expect(older.states.map((h) => h.checkpointId)).toEqual(ids.slice(3));
    const updates = await alice().threads.listThreadHistory({ threadId, metadata: { source: "update" } });
    expect(updates.states).toHaveLength(1);
    expect(updates.states[0]?.metadata).toMatchObject({ source: "update" });
  });

  it("refuses page sizes out of range and tokens of another query or another user", async () => {
    const threadId = await demoRun("tokens");
    for (const pageSize of [0, 201]) {
      const error = await failure(alice().threads.listThreadHistory({ threadId, pageSize }));
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(fieldOf(error)).toBe("page_size");
    }
    const { nextPageToken } = await alice().threads.listThreadHistory({ threadId, pageSize: 1 });
    expect(nextPageToken).not.toBe("");
    const otherFilter = await failure(alice().threads.listThreadHistory({ threadId, pageSize: 1, pageToken: nextPageToken, metadata: { source: "loop" } }));
    expect(fieldOf(otherFilter)).toBe("page_token");
    const garbage = await failure(alice().threads.listThreadHistory({ threadId, pageToken: "not-a-token" }));
    expect(fieldOf(garbage)).toBe("page_token");
    const { run } = await bob().waitRun({ run: { assistantId: "demo", input: userInput("bob's") } });
    const foreign = await failure(bob().threads.listThreadHistory({ threadId: run!.threadId, pageToken: nextPageToken }));
    expect(foreign?.code).toBe(Code.InvalidArgument);
    expect(fieldOf(foreign)).toBe("page_token");
    const nested = await failure(alice().threads.listThreadHistory({ threadId, metadata: { writes: { agent: 1 } } }));
    expect(fieldOf(nested)).toBe("metadata.writes");
  });
});

describe("ListThreadMessages", () => {
  it("pages a thread's messages across its runs exactly as ListRunMessages pages a run's", async () => {
    const first = await alice().waitRun({ run: { assistantId: "demo", input: userInput("first run") } });
    const threadId = first.run!.threadId;
    const second = await alice().waitRun({ run: { assistantId: "demo", threadId, input: userInput("second run") } });
    const ofRun = async (runId: string) => (await alice().listRunMessages({ runId, limit: 200 })).messages;
    const expected = [...(await ofRun(first.run!.runId)), ...(await ofRun(second.run!.runId))];
    expect(expected.length).toBe(8);
    const all = await alice().threads.listThreadMessages({ threadId, limit: 200 });
    expect(all.messages).toEqual(expected);
    expect(all.hasMore).toBe(false);
    expect(new Set(all.messages.map((m) => m.runId))).toEqual(new Set([first.run!.runId, second.run!.runId]));

    // Backwards from the newest, three at a time.
    const backwards: typeof expected = [];
    let beforeSeq: bigint | undefined;
    for (;;) {
      const page = await alice().threads.listThreadMessages({ threadId, limit: 3, ...(beforeSeq !== undefined && { beforeSeq }) });
      backwards.unshift(...page.messages);
      if (!page.hasMore) break;
      beforeSeq = page.messages[0]!.seq;
    }
    expect(backwards).toEqual(expected);
    // Forwards after a seq, exclusive.
    const after = await alice().threads.listThreadMessages({ threadId, afterSeq: expected[2]!.seq, limit: 4 });
    expect(after.messages).toEqual(expected.slice(3, 7));
    expect(after.hasMore).toBe(true);
  });

  it("refuses before_seq with after_seq, and limits out of range", async () => {
    const threadId = await demoRun("bad paging");
    const both = await failure(alice().threads.listThreadMessages({ threadId, beforeSeq: 5n, afterSeq: 1n }));
    expect(both?.code).toBe(Code.InvalidArgument);
    expect(fieldOf(both)).toBe("before_seq");
    for (const limit of [0, 201]) expect(fieldOf(await failure(alice().threads.listThreadMessages({ threadId, limit })))).toBe("limit");
  });
});

describe("another user's thread", () => {
  it("is NOT_FOUND in every state RPC, exactly like a missing one", async () => {
    const threadId = await demoRun("alice's own");
    const checkpointId = (await allHistory(threadId))[0]!.checkpointId;
    const calls = (id: string) => [
      bob().threads.getThreadState({ threadId: id }),
      bob().threads.getThreadState({ threadId: id, checkpointId }),
      bob().threads.updateThreadState({ threadId: id, values: { messages: [] }, asNode: "agent" }),
      bob().threads.listThreadHistory({ threadId: id }),
      bob().threads.listThreadMessages({ threadId: id }),
    ];
    const missing = randomUUID();
    const theirs = await Promise.all(calls(threadId).map(failure));
    const absent = await Promise.all(calls(missing).map(failure));
    theirs.forEach((error, i) => {
      expect(error?.code).toBe(Code.NotFound);
      expect(reasonOf(error)).toBe("THREAD_NOT_FOUND");
      expect(error?.rawMessage).toBe(absent[i]?.rawMessage.replace(missing, threadId));
    });
    expect((await allHistory(threadId)).filter((h) => h.metadata?.["source"] === "update")).toEqual([]);
  });
});

describe("RunCreate.durability", () => {
  it("exit writes only the final checkpoint; async and sync write one per step", async () => {
    const counts: Record<string, number> = {};
    for (const [name, durability] of [["async", Durability.ASYNC], ["sync", Durability.SYNC], ["exit", Durability.EXIT], ["unset", Durability.UNSPECIFIED]] as const) {
      const threadId = await demoRun("count my checkpoints", { durability });
      counts[name] = (await allHistory(threadId)).length;
      expect(JSON.stringify((await alice().threads.getThreadState({ threadId })).state?.values)).toContain("The text has 3 words.");
    }
    expect(counts["exit"]).toBe(1);
    expect(counts["async"]).toBeGreaterThan(3);
    expect(counts["sync"]).toBe(counts["async"]);
    expect(counts["unset"]).toBe(counts["async"]);
  });

  it("is kept on the run", async () => {
    const { run } = await alice().createRun({ run: { assistantId: "demo", input: userInput("kept"), durability: Durability.EXIT } });
    const stored = await s.app.stores.runs.get(run!.runId);
    expect(stored?.kwargs.durability).toBe("exit");
    await alice().awaitRun({ runId: run!.runId });
  });
});
