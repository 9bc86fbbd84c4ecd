// The run use cases end to end through the app's own router, without sockets:
// create, stream, wait, cancel, multitask, join, isolation, feedback.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { MultitaskStrategy, OnDisconnect, RunStatus, type StreamRunResponse } from "../../gen/agentruns/v1/runs_pb.js";
import { events, expectStrictlyIncreasing, metadataOf } from "../helpers/events.js";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { collect, unitService, userInput, type UnitService } from "./harness.js";

let s: UnitService;
beforeAll(async () => {
  s = await unitService({}, { auth: { api_keys: [{ key: "alice", user_id: "alice" }, { key: "bob", user_id: "bob" }] } });
});
afterAll(() => s.close());

const failure = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));
const reason = (e: ConnectError | null) => e?.findDetails(ErrorInfoSchema)[0]?.reason;

/** Starts a slow run and returns its id once it is running. */
async function slowRun(threadId = randomUUID(), strategy = MultitaskStrategy.REJECT) {
  const stream = s.as("alice").streamRun({ run: { assistantId: "demo", threadId, input: userInput("slow"), context: { delay_ms: 30_000 }, multitaskStrategy: strategy, onDisconnect: OnDisconnect.CONTINUE } });
  const first = (await stream[Symbol.asyncIterator]().next()).value as StreamRunResponse;
  const runId = metadataOf(first)?.runId ?? "";
  await expect.poll(async () => (await s.as("alice").getRun({ runId })).run?.status).toBe(RunStatus.RUNNING);
  return { runId, threadId };
}

describe("a run", () => {
  it("streams metadata first, end last, ids strictly increasing, and waits to the thread's values", async () => {
    const streamed = events(await collect(s.as("alice").streamRun({ run: { assistantId: "demo", input: userInput("one two") } })));
    expect(streamed[0]?.kind.case).toBe("metadata");
    expect(streamed.at(-1)?.kind).toEqual({ case: "end", value: expect.objectContaining({ status: RunStatus.SUCCESS }) });
    expectStrictlyIncreasing(streamed.map((e) => e.eventId));
    const waited = await s.as("alice").waitRun({ run: { assistantId: "demo", input: userInput("three words here") } });
    expect(waited.run?.status).toBe(RunStatus.SUCCESS);
    expect(JSON.stringify(waited.values)).toContain("The text has 3 words.");
    const page = await s.as("alice").listRunMessages({ runId: waited.run!.runId });
    expect(page.messages.map((m) => m.message?.["type"])).toEqual(["human", "ai", "tool", "ai"]);
  });

  it("is another user's NOT_FOUND, on every read", async () => {
    const { run } = await s.as("alice").waitRun({ run: { assistantId: "demo", input: userInput("mine") } });
    const runId = run!.runId;
    for (const call of [
      s.as("bob").getRun({ runId }),
      s.as("bob").cancelRun({ runId }),
      s.as("bob").listRunMessages({ runId }),
      s.as("bob").listRunFeedback({ runId }),
      collect(s.as("bob").joinRun({ runId })),
    ]) {
      expect(reason(await failure(call))).toBe("RUN_NOT_FOUND");
    }
    const onAlicesThread = await failure(s.as("bob").waitRun({ run: { assistantId: "demo", threadId: run!.threadId, input: userInput("x") } }));
    expect(reason(onAlicesThread)).toBe("THREAD_NOT_FOUND");
  });
});

describe("cancel", () => {
  it("interrupts a running run; again is OK; an ended run is RUN_NOT_ACTIVE", async () => {
    const { runId } = await slowRun();
    expect((await s.as("alice").cancelRun({ runId, wait: true })).run?.status).toBe(RunStatus.INTERRUPTED);
    expect((await s.as("alice").cancelRun({ runId, wait: true })).run?.status).toBe(RunStatus.INTERRUPTED);
    const { run } = await s.as("alice").waitRun({ run: { assistantId: "demo", input: userInput("done") } });
    const refused = await failure(s.as("alice").cancelRun({ runId: run!.runId }));
    expect(refused?.code).toBe(Code.FailedPrecondition);
    expect(reason(refused)).toBe("RUN_NOT_ACTIVE");
  });
});

describe("multitask", () => {
  it("reject refuses a busy thread with THREAD_BUSY", async () => {
    const { runId, threadId } = await slowRun();
    expect(reason(await failure(s.as("alice").waitRun({ run: { assistantId: "demo", threadId, input: userInput("x") } })))).toBe("THREAD_BUSY");
    await s.as("alice").cancelRun({ runId, wait: true });
  });

  it("rollback deletes the older run, whose waiter gets RUN_ROLLED_BACK", async () => {
    const threadId = randomUUID();
    const older = failure(s.as("alice").waitRun({ run: { assistantId: "demo", threadId, input: userInput("old"), context: { delay_ms: 30_000 } } }));
    await expect.poll(async () => (await s.app.stores.runs.listByThread(threadId, ["running"])).length).toBe(1);
    const [running] = await s.app.stores.runs.listByThread(threadId, ["running"]);
    const newer = await s.as("alice").waitRun({ run: { assistantId: "demo", threadId, input: userInput("new"), multitaskStrategy: MultitaskStrategy.ROLLBACK } });
    expect(newer.run?.status).toBe(RunStatus.SUCCESS);
    expect(reason(await older)).toBe("RUN_ROLLED_BACK");
    expect(reason(await failure(s.as("alice").getRun({ runId: running!.runId })))).toBe("RUN_NOT_FOUND");
  });

  it("enqueue runs one at a time in the order created, each after the previous one's end", async () => {
    const threadId = randomUUID();
    const runs = await Promise.all(
      [0, 1, 2].map(async (i) => {
        await new Promise((r) => setImmediate(r));
        return s.as("alice").waitRun({ run: { assistantId: "demo", threadId, input: userInput(`turn ${i}`), multitaskStrategy: MultitaskStrategy.ENQUEUE } });
      }),
    );
    const joined = await Promise.all(runs.map((r) => collect(s.as("alice").joinRun({ runId: r.run!.runId }))));
    // Each run's metadata is written when it is created; what it streams comes when it runs.
    const spans = joined.map((responses) => events(responses).map((e) => e.eventId)).sort((a, b) => Number(a[0]! - b[0]!));
    for (let i = 1; i < spans.length; i++) expect(spans[i]![1]! > spans[i - 1]!.at(-1)!).toBe(true);
    expect(runs.every((r) => r.run?.status === RunStatus.SUCCESS)).toBe(true);
  });
});

describe("join", () => {
  it("replays after last_event_id, and reports a gap when that id is not this run's", async () => {
    const threadId = randomUUID();
    const first = await s.as("alice").waitRun({ run: { assistantId: "demo", threadId, input: userInput("a") } });
    const second = await s.as("alice").waitRun({ run: { assistantId: "demo", threadId, input: userInput("b") } });
    const all = events(await collect(s.as("alice").joinRun({ runId: second.run!.runId })));
    const resumed = events(await collect(s.as("alice").joinRun({ runId: second.run!.runId, lastEventId: all[1]!.eventId })));
    expect(resumed.map((e) => e.eventId)).toEqual(all.slice(2).map((e) => e.eventId));
    const ofFirst = events(await collect(s.as("alice").joinRun({ runId: first.run!.runId })));
    const gapped = await collect(s.as("alice").joinRun({ runId: second.run!.runId, lastEventId: ofFirst[1]!.eventId }));
    expect(gapped[0]?.payload).toEqual({ case: "gap", value: expect.objectContaining({ firstAvailableEventId: all[0]!.eventId }) });
    expect(events(gapped).map((e) => e.eventId)).toEqual(all.map((e) => e.eventId));
  });
});

describe("feedback", () => {
  it("is one per run and user, and only its author deletes it", async () => {
    const { run } = await s.as("alice").waitRun({ run: { assistantId: "demo", input: userInput("rate me") } });
    const runId = run!.runId;
    const { feedback } = await s.as("alice").createRunFeedback({ runId, rating: 1, comment: "good" });
    const again = await failure(s.as("alice").createRunFeedback({ runId, rating: -1 }));
    expect(again?.code).toBe(Code.AlreadyExists);
    expect(reason(again)).toBe("FEEDBACK_EXISTS");
    expect((await s.as("alice").listRunFeedback({ runId })).feedback.map((f) => f.comment)).toEqual(["good"]);
    await s.as("alice").deleteRunFeedback({ runId, feedbackId: feedback!.feedbackId });
    expect((await s.as("alice").listRunFeedback({ runId })).feedback).toEqual([]);
    expect(reason(await failure(s.as("alice").deleteRunFeedback({ runId, feedbackId: feedback!.feedbackId })))).toBe("FEEDBACK_NOT_FOUND");
  });
});
