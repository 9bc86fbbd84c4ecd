// DeleteThread on the memory store: the thread goes with its runs, their
// events, messages and feedback, and its checkpoints; refused while a run is
// pending or running; a delete cut short leaves the thread invisible and a
// repeat finishes it. (The outage itself is made on MongoDB in threads.test.ts.)
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { MultitaskStrategy, RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { userInput } from "./harness.js";
import { failure, reasonOf, threadService, until } from "./thread-fixture.js";

const { service, alice } = threadService(["alice"]);

/** A thread of alice's with two finished runs, messages, feedback and checkpoints; its id and run ids. */
async function busyHistory(): Promise<{ threadId: string; runIds: string[] }> {
  const first = (await alice().waitRun({ run: { assistantId: "demo", input: userInput("one") } })).run!;
  const second = (await alice().waitRun({ run: { assistantId: "demo", threadId: first.threadId, input: userInput("two") } })).run!;
  await alice().createRunFeedback({ runId: second.runId, rating: 1 });
  return { threadId: first.threadId, runIds: [first.runId, second.runId] };
}

describe("DeleteThread", () => {
  it("deletes the thread with its runs, events, messages, feedback and checkpoints; the id is free again", async () => {
    const { threadId, runIds } = await busyHistory();
    expect((await alice().threads.getThreadState({ threadId })).state?.checkpointId).not.toBe("");
    await alice().threads.deleteThread({ threadId });
    expect((await failure(alice().threads.getThread({ threadId })))?.code).toBe(Code.NotFound);
    for (const runId of runIds) {
      expect((await failure(alice().getRun({ runId })))?.code).toBe(Code.NotFound);
      expect(await service().app.stores.runs.get(runId)).toBeNull();
      expect((await service().app.stores.events.pageMessages(runId, { limit: 10 })).rows).toEqual([]);
      expect(await service().app.stores.events.listRunEvents(runId, 0, 10)).toEqual([]);
      expect(await service().app.stores.feedback.listByRun(runId)).toEqual([]);
    }
    // A new thread of the same id starts with no checkpoint: the old ones went too.
    await alice().threads.createThread({ threadId });
    expect((await alice().threads.getThreadState({ threadId })).state?.checkpointId).toBe("");
    expect((await failure(alice().threads.deleteThread({ threadId: randomUUID() })))?.code).toBe(Code.NotFound);
  });

  it("refuses with FAILED_PRECONDITION while a run is running or queued, deleting nothing, and deletes once they ended", async () => {
    const running = (await alice().createRun({ run: { assistantId: "demo", input: userInput("slow"), context: { delay_ms: 400 } } })).run!;
    const threadId = running.threadId;
    await until(async () => (await alice().getRun({ runId: running.runId })).run?.status === RunStatus.RUNNING);
    const queued = (
      await alice().createRun({ run: { assistantId: "demo", threadId, input: userInput("next"), multitaskStrategy: MultitaskStrategy.ENQUEUE } })
    ).run!;
    const error = await failure(alice().threads.deleteThread({ threadId }));
    expect(error?.code).toBe(Code.FailedPrecondition);
    expect(reasonOf(error)).toBe("THREAD_BUSY");
    await alice().awaitRun({ runId: running.runId });
    // The first run ended; the queued one holds the thread now or is about to.
    expect((await failure(alice().threads.deleteThread({ threadId })))?.code).toBe(Code.FailedPrecondition);
    await alice().awaitRun({ runId: queued.runId });
    expect((await alice().threads.getThread({ threadId })).thread?.threadId).toBe(threadId);
    await alice().threads.deleteThread({ threadId });
    expect((await failure(alice().getRun({ runId: queued.runId })))?.code).toBe(Code.NotFound);
  });

  it("keeps a thread whose delete was cut short invisible and runless, and a repeat finishes it", async () => {
    const { threadId, runIds } = await busyHistory();
    // Where an outage after the first step leaves a delete: marked, nothing removed yet.
    expect(await service().app.stores.threads.markDeleting(threadId, "alice")).toBe(true);
    expect((await failure(alice().threads.getThread({ threadId })))?.code).toBe(Code.NotFound);
    expect((await failure(alice().threads.updateThread({ threadId, metadata: { a: 1 } })))?.code).toBe(Code.NotFound);
    expect((await alice().threads.searchThreads({ pageSize: 200 })).threads.map((t) => t.threadId)).not.toContain(threadId);
    const run = await failure(alice().waitRun({ run: { assistantId: "demo", threadId, input: userInput("sneak in") } }));
    expect(run?.code).toBe(Code.NotFound);
    expect((await failure(alice().threads.createThread({ threadId })))?.code).toBe(Code.AlreadyExists);
    await alice().threads.deleteThread({ threadId });
    for (const runId of runIds) expect(await service().app.stores.runs.get(runId)).toBeNull();
    expect(await service().app.stores.threads.get(threadId)).toBeNull();
  });
});
