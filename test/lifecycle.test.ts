// Cancel, disconnect (cancel vs continue), and JoinRun re-attachment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { CancelAction, OnDisconnect, RunStatus, type StreamRunResponse } from "../gen/agentruns/v1/runs_pb.js";
import { newRun } from "./helpers/records.js";
import { endStatus, eventIds, metadataOf } from "./helpers/events.js";
import { collect, startStream, startTestServer, userInput, type TestServer } from "./helpers/server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ heartbeatMs: 60_000 });
});
afterAll(() => t.stop());

/** Starts a slow streamed run, reads its metadata, then lets the caller decide. */
async function startSlow(onDisconnect: OnDisconnect, delayMs = 150) {
  const abort = new AbortController();
  const started = await startStream(
    t.connectJson,
    { assistantId: "demo", input: userInput("slow run"), context: { delay_ms: delayMs }, onDisconnect },
    abort.signal,
  );
  return { ...started, abort };
}

/** The run's status once it is neither pending nor running (a final status does not change again). */
async function settledStatus(runId: string): Promise<RunStatus> {
  const status = async () => (await t.connectJson.getRun({ runId })).run!.status;
  await expect.poll(status, { timeout: 10_000, message: `run ${runId} still active` }).not.toBeOneOf([RunStatus.PENDING, RunStatus.RUNNING]);
  return status();
}

describe("cancel and disconnect", () => {
  it("CancelRun interrupts a running run; its stream ends with status interrupted", async () => {
    const { runId, iterator } = await startSlow(OnDisconnect.CONTINUE, 500);
    const res = await t.grpc.cancelRun({ runId, action: CancelAction.INTERRUPT, wait: true });
    expect(res.run?.status).toBe(RunStatus.INTERRUPTED);
    const rest: StreamRunResponse[] = [];
    for (let r = await iterator.next(); !r.done; r = await iterator.next()) rest.push(r.value);
    expect(endStatus(rest)).toBe(RunStatus.INTERRUPTED);
  });

  it("CancelRun rollback deletes the run and restores the thread's state", async () => {
    const first = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("keep me") } });
    const abort = new AbortController();
    const stream = t.connectJson.streamRun(
      { run: { assistantId: "demo", threadId: first.run!.threadId, input: userInput("drop me"), context: { delay_ms: 300 }, onDisconnect: OnDisconnect.CONTINUE } },
      { signal: abort.signal },
    );
    const it0 = stream[Symbol.asyncIterator]();
    const meta = (await it0.next()).value as StreamRunResponse;
    const runId = metadataOf(meta)?.runId ?? "";
    const res = await t.connectJson.cancelRun({ runId, action: CancelAction.ROLLBACK, wait: true });
    expect(res.run).toBeUndefined();
    const error = await t.connectJson.getRun({ runId }).catch((e: unknown) => e);
    expect((error as ConnectError).code).toBe(Code.NotFound);
    abort.abort();
    const next = await t.connectJson.waitRun({ run: { assistantId: "demo", threadId: first.run!.threadId, input: userInput("after") } });
    const contents = (next.values?.["messages"] as Array<{ content: string }>).map((m) => m.content);
    expect(contents).not.toContain("drop me");
    expect(contents).toContain("keep me");
    expect(contents).toHaveLength(8);
  });

  it("on_disconnect=cancel interrupts the run when the client goes away", async () => {
    const { runId, abort } = await startSlow(OnDisconnect.CANCEL);
    abort.abort();
    expect(await settledStatus(runId)).toBe(RunStatus.INTERRUPTED);
  });

  it("on_disconnect=continue lets the run finish after the client goes away", async () => {
    const { runId, abort } = await startSlow(OnDisconnect.CONTINUE, 50);
    abort.abort();
    expect(await settledStatus(runId)).toBe(RunStatus.SUCCESS);
  });

  it("cancelling a finished run is FAILED_PRECONDITION and changes nothing", async () => {
    const done = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("done") } });
    const error = await t.connectJson.cancelRun({ runId: done.run!.runId }).catch((e: unknown) => ConnectError.from(e));
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((await t.connectJson.getRun({ runId: done.run!.runId })).run?.status).toBe(RunStatus.SUCCESS);
  });

  it("WaitRun with on_disconnect=cancel interrupts the run when the caller gives up", async () => {
    const threadId = crypto.randomUUID();
    const abort = new AbortController();
    const pending = t.connectJson
      .waitRun({ run: { assistantId: "demo", threadId, input: userInput("wait"), context: { delay_ms: 300 } } }, { signal: abort.signal })
      .catch((e: unknown) => e);
    // Give up once the run is executing.
    await expect.poll(async () => (await t.server.app.stores.runs.listByThread(threadId, ["running"])).length).toBe(1);
    abort.abort();
    expect(((await pending) as ConnectError).code).toBe(Code.Canceled);
    // The queued run starts only once the abandoned one stopped; had that one
    // finished, its answer would precede "after" in the thread.
    const next = await t.connectJson.waitRun({ run: { assistantId: "demo", threadId, input: userInput("after"), multitaskStrategy: 4 } });
    const contents = (next.values?.["messages"] as Array<{ content: string }>).map((m) => m.content);
    expect(contents.slice(0, 2)).toEqual(["wait", "after"]);
  });
});

describe("JoinRun", () => {
  it("re-attaches after a disconnect and replays what followed last_event_id", async () => {
    const { runId, metadataId, abort, iterator } = await startSlow(OnDisconnect.CONTINUE, 60);
    const second = (await iterator.next()).value as StreamRunResponse;
    abort.abort();
    const seen = eventIds([second])[0] ?? metadataId;
    const joined = await collect(t.grpc.joinRun({ runId, lastEventId: seen }));
    const ids = eventIds(joined);
    expect(ids[0]! > seen).toBe(true);
    expect(endStatus(joined)).toBe(RunStatus.SUCCESS);
    // The whole stream from the start equals metadata..end, and the resumed tail is its suffix.
    const full = await collect(t.grpc.joinRun({ runId }));
    const fullIds = eventIds(full);
    expect(fullIds[0]).toBe(metadataId);
    expect(fullIds.slice(fullIds.indexOf(ids[0]!))).toEqual(ids);
  });

  it("reports a gap when last_event_id is not one of the run's events, then replays from the first one stored", async () => {
    const done = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("gap") } });
    const full = await collect(t.connectJson.joinRun({ runId: done.run!.runId }));
    const firstId = eventIds(full)[0]!;
    const joined = await collect(t.connectJson.joinRun({ runId: done.run!.runId, lastEventId: firstId + 999_999n }));
    expect(joined[0]?.payload.case).toBe("gap");
    expect(joined[0]?.payload.value).toMatchObject({ lastEventId: firstId + 999_999n });
    // The thread's next run: the id of the first run's end event is none of its events.
    const next = await t.connectJson.waitRun({ run: { assistantId: "demo", threadId: done.run!.threadId, input: userInput("after the gap") } });
    const nextIds = eventIds(await collect(t.connectJson.joinRun({ runId: next.run!.runId })));
    const asked = eventIds(full).at(-1)!;
    expect(nextIds[0]! > asked).toBe(true);
    const resumed = await collect(t.connectJson.joinRun({ runId: next.run!.runId, lastEventId: asked }));
    expect(resumed[0]?.payload).toMatchObject({ case: "gap", value: { lastEventId: asked, firstAvailableEventId: nextIds[0]! } });
    // The continuation starts exactly at first_available_event_id and runs to the end.
    expect(eventIds(resumed)[0]).toBe(nextIds[0]);
    expect(eventIds(resumed)).toEqual(nextIds);
    expect(endStatus(resumed)).toBe(RunStatus.SUCCESS);
  });

  it("answers NOT_FOUND for an unknown run and INVALID_ARGUMENT for a negative id", async () => {
    const unknown = await collect(t.connectJson.joinRun({ runId: "11111111-1111-4111-8111-111111111111" })).catch((e: unknown) => e);
    expect((unknown as ConnectError).code).toBe(Code.NotFound);
    const done = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("x") } });
    const negative = await collect(t.connectJson.joinRun({ runId: done.run!.runId, lastEventId: -1n })).catch((e: unknown) => e);
    expect((negative as ConnectError).code).toBe(Code.InvalidArgument);
  });
});

describe("queued runs whose scheduling was lost", () => {
  it("are started by the periodic sweep once their thread is free", async () => {
    const s = await startTestServer({ leaseMs: 300 });
    try {
      // A pending run on a free thread, as a replica that died between queueing and scheduling leaves it.
      const threadId = crypto.randomUUID();
      const runId = crypto.randomUUID();
      const now = new Date(Date.now() - 1000);
      await s.server.app.stores.threads.ensure(threadId, "local");
      const base = newRun();
      await s.server.app.stores.runs.insert(
        newRun({
          runId,
          threadId,
          userId: "local",
          multitaskStrategy: "enqueue",
          kwargs: { ...base.kwargs, input: { messages: [{ role: "user", content: "lost and found", id: "m1" }] }, onDisconnect: "continue" },
          metadata: {},
          createdAt: now,
          updatedAt: now,
        }),
      );
      await expect.poll(async () => (await s.connectJson.getRun({ runId })).run!.status, { timeout: 10_000, interval: 100 }).toBe(RunStatus.SUCCESS);
      const messages = await s.connectJson.listRunMessages({ runId });
      expect(messages.messages.map((m) => m.message?.["content"])[0]).toBe("lost and found");
    } finally {
      await s.stop();
    }
  });
});
