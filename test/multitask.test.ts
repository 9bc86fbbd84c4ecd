// Several runs on one thread: reject, interrupt, rollback, enqueue.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { MultitaskStrategy, OnDisconnect, RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { collect, startStream, startTestServer, userInput, type TestServer } from "./helpers/server.js";

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
    const firstEvents = await first.rest;
    const end = firstEvents.at(-1)!.payload;
    expect(end.case === "event" && end.value.kind.case === "end" && end.value.kind.value.status).toBe(RunStatus.INTERRUPTED);
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
    const queued = await Promise.all(
      ["second", "third"].map(async (text, i) => {
        await new Promise((r) => setTimeout(r, i * 20));
        return t.connectJson.waitRun({ run: { assistantId: "demo", threadId, input: userInput(text), multitaskStrategy: MultitaskStrategy.ENQUEUE } });
      }),
    );
    await first.rest;
    for (const q of queued) expect(q.run?.status).toBe(RunStatus.SUCCESS);
    const humans = contents(queued[1]!.values).filter((c) => ["first", "second", "third"].includes(c));
    expect(humans).toEqual(["first", "second", "third"]);
  });

  it("an enqueued run streams metadata at once, then waits for its turn", async () => {
    const threadId = randomUUID();
    const first = await startSlow(threadId, "first", 150);
    const queued = await collect(
      t.connectJson.streamRun({ run: { assistantId: "demo", threadId, input: userInput("next"), multitaskStrategy: MultitaskStrategy.ENQUEUE } }),
    );
    const kinds = queued.flatMap((r) => (r.payload.case === "event" ? [r.payload.value.kind.case] : []));
    expect(kinds[0]).toBe("metadata");
    expect(kinds.at(-1)).toBe("end");
    const firstRun = await t.connectJson.getRun({ runId: first.runId });
    expect(firstRun.run?.status).toBe(RunStatus.SUCCESS);
    await first.rest;
  });
});
