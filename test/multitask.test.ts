// Several runs on one thread: reject, interrupt, rollback, enqueue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { MultitaskStrategy, OnDisconnect, RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { ACTIVE_STATUSES, TERMINAL_STATUSES } from "../src/domain/records.js";
import { endStatus, eventIds, kinds } from "./helpers/events.js";
import { startStream, startTestServer, userInput, type TestServer } from "./helpers/server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

async function startSlow(threadId: string, text: string, delayMs = 200) {
  const started = await startStream(t.connectJson, {
    assistantId: "demo",
    threadId,
    input: userInput(text),
    context: { delay_ms: delayMs },
    onDisconnect: OnDisconnect.CONTINUE,
  });
  return { runId: started.runId, rest: started.rest() };
}

function contents(values: Record<string, unknown> | undefined): string[] {
  return (values?.["messages"] as Array<{ content: string }>).map((m) => m.content);
}

describe("multitask strategies", () => {
  it("reject (the default) refuses a second run on a busy thread with FAILED_PRECONDITION", async () => {
    const threadId = randomUUID();
    const first = await startSlow(threadId, "first");
    const error = await t.connectJson.waitRun({ run: { assistantId: "demo", threadId, input: userInput("second") } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
    expect((error as ConnectError).rawMessage).toContain(threadId);
    await first.rest;
    expect((await t.connectJson.getRun({ runId: first.runId })).run?.status).toBe(RunStatus.SUCCESS);
  });

  it("of racing creates on a free thread under reject, exactly one wins", async () => {
    const threadId = randomUUID();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => t.connectJson.waitRun({ run: { assistantId: "demo", threadId, input: userInput(`r${i}`), context: { delay_ms: 50 } } })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect((r.reason as ConnectError).code).toBe(Code.FailedPrecondition);
  });

  it("interrupt stops the active run (kept as interrupted) and runs the new one", async () => {
    const threadId = randomUUID();
    const first = await startSlow(threadId, "first", 300);
    const second = await t.connectJson.waitRun({
      run: { assistantId: "demo", threadId, input: userInput("second"), multitaskStrategy: MultitaskStrategy.INTERRUPT },
    });
    expect(second.run?.status).toBe(RunStatus.SUCCESS);
    expect((await t.connectJson.getRun({ runId: first.runId })).run?.status).toBe(RunStatus.INTERRUPTED);
    expect(endStatus(await first.rest)).toBe(RunStatus.INTERRUPTED);
    // The interrupted run's input stays in the thread.
    expect(contents(second.values)).toContain("first");
  });

  it("rollback deletes the active run and its state, then runs the new one", async () => {
    const threadId = randomUUID();
    const first = await startSlow(threadId, "first", 300);
    const second = await t.connectJson.waitRun({
      run: { assistantId: "demo", threadId, input: userInput("second"), multitaskStrategy: MultitaskStrategy.ROLLBACK },
    });
    expect(second.run?.status).toBe(RunStatus.SUCCESS);
    const gone = await t.connectJson.getRun({ runId: first.runId }).catch((e: unknown) => e);
    expect((gone as ConnectError).code).toBe(Code.NotFound);
    expect(contents(second.values)).toEqual(["second", "", "1", "The text has 1 words."]);
    await first.rest;
  });

  it("enqueue runs the new run after the active one, in order", async () => {
    const threadId = randomUUID();
    const first = await startSlow(threadId, "first", 100);
    const enqueue = (text: string) =>
      t.connectJson.waitRun({ run: { assistantId: "demo", threadId, input: userInput(text), multitaskStrategy: MultitaskStrategy.ENQUEUE } });
    const stored = async () => (await t.server.app.stores.runs.listByThread(threadId, [...ACTIVE_STATUSES, ...TERMINAL_STATUSES])).length;
    const second = enqueue("second");
    // "third" is created once "second" is stored, so it is the later one.
    await expect.poll(stored).toBe(2);
    const queued = await Promise.all([second, enqueue("third")]);
    await first.rest;
    for (const q of queued) expect(q.run?.status).toBe(RunStatus.SUCCESS);
    const humans = contents(queued[1]!.values).filter((c) => ["first", "second", "third"].includes(c));
    expect(humans).toEqual(["first", "second", "third"]);
  });

  it("an enqueued run streams metadata at once, then waits for its turn", async () => {
    const threadId = randomUUID();
    const first = await startSlow(threadId, "first", 150);
    const queued = await startStream(t.connectJson, { assistantId: "demo", threadId, input: userInput("next"), multitaskStrategy: MultitaskStrategy.ENQUEUE });
    // At once: its metadata came while the first run still runs, and it is pending.
    expect((await t.connectJson.getRun({ runId: first.runId })).run?.status).toBe(RunStatus.RUNNING);
    expect((await t.connectJson.getRun({ runId: queued.runId })).run?.status).toBe(RunStatus.PENDING);
    const responses = await queued.rest();
    expect(kinds(responses)[0]).toBe("metadata");
    expect(endStatus(responses)).toBe(RunStatus.SUCCESS);
    const firstRun = await t.connectJson.getRun({ runId: first.runId });
    expect(firstRun.run?.status).toBe(RunStatus.SUCCESS);
    // Then it waits: its metadata is older than the first run's end, everything else it wrote is newer.
    const firstEnd = eventIds(await first.rest).at(-1)!;
    const [metadataId, ...ran] = eventIds(responses);
    expect(metadataId! < firstEnd).toBe(true);
    expect(ran.length).toBeGreaterThan(1);
    expect(ran.every((id) => id > firstEnd)).toBe(true);
  });
});
