// Two service processes on one MongoDB act as one service: a run started on
// A is joined, read, paged and cancelled from B; a run whose replica died is
// marked interrupted once its lease lapses.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { CancelAction, MultitaskStrategy, OnDisconnect, RunsService, RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { endStatus, eventIds, expectStrictlyIncreasing } from "./helpers/events.js";
import { spawnService, type ServiceProcess } from "./helpers/process.js";
import { collect, startStream, userInput, type RunsClient } from "./helpers/server.js";

let a: ServiceProcess;
let b: ServiceProcess;
let clientA: RunsClient;
let clientB: RunsClient;
const database = `scale_${randomUUID().slice(0, 8)}`;
const args = () => ["--mongodb-uri", inject("mongodbUri"), "--mongodb-database", database, "--lease-ms", "1500"];

beforeAll(async () => {
  [a, b] = await Promise.all([spawnService(args()), spawnService(args())]);
  clientA = createClient(RunsService, createConnectTransport({ baseUrl: a.url, httpVersion: "1.1" }));
  clientB = createClient(RunsService, createConnectTransport({ baseUrl: b.url, httpVersion: "1.1" }));
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

async function startOn(client: RunsClient, run: Record<string, unknown>) {
  const started = await startStream(client, { assistantId: "demo", onDisconnect: OnDisconnect.CONTINUE, ...run });
  return { runId: started.runId, threadId: started.threadId, rest: started.rest() };
}

describe("two replicas on one database", () => {
  it("B joins, gets and pages a run that A executes, seeing the same events", async () => {
    const started = await startOn(clientA, { input: userInput("shared run"), context: { delay_ms: 150, custom_events: 20 }, streamMode: [2, 4] });
    const running = await clientB.getRun({ runId: started.runId });
    expect([RunStatus.RUNNING, RunStatus.PENDING]).toContain(running.run?.status);
    const joined = await collect(clientB.joinRun({ runId: started.runId }));
    const onA = await started.rest;
    expect(eventIds(joined)).toEqual(eventIds(onA));
    expect(endStatus(joined)).toBe(RunStatus.SUCCESS);
    const pageA = await clientA.listRunMessages({ runId: started.runId });
    const pageB = await clientB.listRunMessages({ runId: started.runId });
    expect(pageB.messages.map((m) => m.seq)).toEqual(pageA.messages.map((m) => m.seq));
    expect(pageB.messages.map((m) => m.message?.["type"])).toEqual(["human", "ai", "tool", "ai"]);
  });

  it("B cancels a run that A executes", async () => {
    const started = await startOn(clientA, { input: userInput("cancel me from B"), context: { delay_ms: 20_000 } });
    const res = await clientB.cancelRun({ runId: started.runId, action: CancelAction.INTERRUPT, wait: true });
    expect(res.run?.status).toBe(RunStatus.INTERRUPTED);
    const events = await started.rest;
    expectStrictlyIncreasing(eventIds(events));
    expect(endStatus(events)).toBe(RunStatus.INTERRUPTED);
    expect((await clientA.getRun({ runId: started.runId })).run?.status).toBe(RunStatus.INTERRUPTED);
    // The agent node was cut short in its 20 s sleep, not waited out: it wrote
    // no reply, so only the user's message is on the run.
    const messages = await clientA.listRunMessages({ runId: started.runId });
    expect(messages.messages.map((m) => m.message?.["type"])).toEqual(["human"]);
  });

  it("a run queued on A behind B's run executes when B's ends, and A's WaitRun returns its final state", async () => {
    const threadId = randomUUID();
    const first = await startOn(clientB, { threadId, input: userInput("first on B"), context: { delay_ms: 200 } });
    const waited = await clientA.waitRun({
      run: { assistantId: "demo", threadId, input: userInput("queued on A"), multitaskStrategy: MultitaskStrategy.ENQUEUE },
    });
    await first.rest;
    expect(waited.run?.status).toBe(RunStatus.SUCCESS);
    const contents = (waited.values?.["messages"] as Array<{ content: string }>).map((m) => m.content);
    expect(contents[0]).toBe("first on B");
    expect(contents[4]).toBe("queued on A");
    expect(contents).toHaveLength(8);
  });

  it("a run whose replica was killed is marked interrupted by the other once the lease lapses", async () => {
    const c = await spawnService(args());
    const clientC = createClient(RunsService, createConnectTransport({ baseUrl: c.url, httpVersion: "1.1" }));
    const started = await startOn(clientC, { input: userInput("doomed"), context: { delay_ms: 30_000 } });
    started.rest.catch(() => undefined);
    c.child.kill("SIGKILL");
    await c.exited;
    const joined = await collect(clientB.joinRun({ runId: started.runId }));
    expect(endStatus(joined)).toBe(RunStatus.INTERRUPTED);
    const { run } = await clientA.getRun({ runId: started.runId });
    expect(run?.status).toBe(RunStatus.INTERRUPTED);
    expect(run?.error?.name).toBe("ReplicaLost");
    const ids = eventIds(joined);
    expect(new Set(ids).size).toBe(ids.length);
    // The thread is free again.
    const next = await clientB.waitRun({ run: { assistantId: "demo", threadId: started.threadId, input: userInput("after the crash") } });
    expect(next.run?.status).toBe(RunStatus.SUCCESS);
  });
});
