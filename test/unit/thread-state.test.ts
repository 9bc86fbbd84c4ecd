// A thread's checkpointed state: GetThreadState (interrupts, earlier
// checkpoints, a thread no run wrote) and UpdateThreadState (reducers,
// forks, refusals), on the memory store.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { userInput } from "./harness.js";
import { failure, fieldOf, reasonOf, threadService } from "./thread-fixture.js";

const { service, alice, demoRun, allHistory } = threadService();

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
    await service().app.stores.threads.ensure(threadId, "alice");
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
