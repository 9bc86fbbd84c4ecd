// Process faults: SIGTERM drains (hands runs over at their next step boundary,
// interrupts those that reach none in time with a recorded status, exits 0);
// SIGKILL mid-run, then a restart: the lost run is marked interrupted once
// its lease lapses, with no duplicate or missing event.
import { randomUUID } from "node:crypto";
import { describe, expect, inject, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { OnDisconnect, RunsService, RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { endStatus, eventIds, expectStrictlyIncreasing, kinds } from "./helpers/events.js";
import { spawnService } from "./helpers/process.js";
import { collect, startStream, userInput, type RunsClient } from "./helpers/server.js";

const database = `shutdown_${randomUUID().slice(0, 8)}`;
const args = (...extra: string[]) => ["--mongodb-uri", inject("mongodbUri"), "--mongodb-database", database, "--lease-ms", "1500", ...extra];
const clientFor = (url: string): RunsClient => createClient(RunsService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));

async function start(client: RunsClient, context: Record<string, number>, assistantId = "demo") {
  const started = await startStream(client, { assistantId, input: userInput("x"), context, onDisconnect: OnDisconnect.CONTINUE });
  return { runId: started.runId, rest: started.rest() };
}

describe("SIGTERM", () => {
  it("hands runs that reach a step boundary to another replica, interrupts the ones that cannot after the grace period, exits 0", async () => {
    // The steps graph: many short steps, so its runs are under way at SIGTERM however slow the set-up.
    const graphs = ["--graphs", "test/fixtures/rolling-graphs/langgraph.json"];
    const a = await spawnService(args("--drain-ms", "800", ...graphs));
    const observer = await spawnService(args(...graphs));
    try {
      const client = clientFor(a.url);
      const grpcClient = createClient(RunsService, createGrpcTransport({ baseUrl: a.url }));
      const short = await start(client, { steps: 20, step_ms: 200 }, "steps");
      const cutShort = short.rest.then(() => null, (error: unknown) => ConnectError.from(error));
      // A WaitRun on A for a run that goes on elsewhere: UNAVAILABLE once A's drain is over.
      const waitThread = randomUUID();
      const waited = client.waitRun({ run: { assistantId: "steps", threadId: waitThread, input: userInput("x"), context: { steps: 20, step_ms: 200 } } });
      const cutWait = waited.then(() => null, (error: unknown) => ConnectError.from(error));
      const long = await start(client, { delay_ms: 30_000 });
      const longGrpc = await start(grpcClient, { delay_ms: 30_000 });
      const code = await a.stop("SIGTERM");
      expect(code).toBe(0);
      // The short run's stream on A ends UNAVAILABLE (it goes on elsewhere); rejoined on the
      // observer after its last event, it ends SUCCESS: the observer resumed it.
      expect((await cutShort)?.code).toBe(Code.Unavailable);
      const other = clientFor(observer.url);
      const joined = await collect(other.joinRun({ runId: short.runId }));
      expect(endStatus(joined)).toBe(RunStatus.SUCCESS);
      expect(kinds(joined).filter((k) => k === "end")).toHaveLength(1);
      expect(a.logs()).toContain("handed back to be resumed");
      expect(observer.logs()).toContain("resuming a run handed back by a draining replica");
      expect((await cutWait)?.code).toBe(Code.Unavailable);
      const [waitedRun] = (await other.listRuns({ threadId: waitThread })).runs;
      expect((await other.awaitRun({ runId: waitedRun!.runId })).run?.status).toBe(RunStatus.SUCCESS);
      // One node of 30 s reaches no boundary within the grace period: interrupted, recorded, `end` sent on A.
      expect(endStatus(await long.rest)).toBe(RunStatus.INTERRUPTED);
      expect(endStatus(await longGrpc.rest)).toBe(RunStatus.INTERRUPTED);
      expect((await other.getRun({ runId: long.runId })).run?.status).toBe(RunStatus.INTERRUPTED);
      expect(a.logs()).toContain("draining");
    } finally {
      await a.stop();
      await observer.stop();
    }
  });
});

describe("SIGKILL then restart", () => {
  it("marks the lost run interrupted after its lease, with no duplicate or missing event", async () => {
    const a = await spawnService(args());
    const started = await start(clientFor(a.url), { delay_ms: 30_000, custom_events: 0 });
    started.rest.catch(() => undefined);
    a.child.kill("SIGKILL");
    await a.exited;
    const restarted = await spawnService(args());
    try {
      const client = clientFor(restarted.url);
      const joined = await collect(client.joinRun({ runId: started.runId }));
      expect(endStatus(joined)).toBe(RunStatus.INTERRUPTED);
      const ids = eventIds(joined);
      expect(new Set(ids).size).toBe(ids.length);
      expectStrictlyIncreasing(ids);
      expect(kinds(joined)[0]).toBe("metadata");
      expect(kinds(joined).filter((k) => k === "end")).toHaveLength(1);
      const { run } = await client.getRun({ runId: started.runId });
      expect(run?.status).toBe(RunStatus.INTERRUPTED);
      expect(run?.error?.name).toBe("ReplicaLost");
    } finally {
      await restarted.stop();
    }
  });
});
