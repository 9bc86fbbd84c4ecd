// Database trouble: a frozen MongoDB gets UNAVAILABLE, never a hang; after it
// thaws, and after a graceful restart mid-run, the service recovers by itself
// with no lost or duplicated event. No wall-clock bound is asserted: how fast
// the answer comes is the bench's business, that it comes while the database
// is still frozen is this test's.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { OnDisconnect, RunStatus, StreamMode } from "../gen/agentruns/v1/runs_pb.js";
import { startMongoServer, type MongoServerHandle } from "./mongo-server/server.js";
import { endStatus, eventIds, events, expectStrictlyIncreasing, metadataOf } from "./helpers/events.js";
import { collect, startTestServer, userInput, type TestServer } from "./helpers/server.js";

// Short, so a frozen database's calls give up well inside vitest's test timeout.
const STORE_TIMEOUT_MS = 1000;
let dir: string;
let mongo: MongoServerHandle;
let t: TestServer;
let runId: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "agent-runs-faults-"));
  mongo = await startMongoServer({ file: join(dir, "faults.mv") });
  t = await startTestServer({ store: "mongodb", mongodbUri: mongo.uri, storeTimeoutMs: STORE_TIMEOUT_MS });
  runId = (await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("before trouble") } })).run!.runId;
});
afterAll(async () => {
  await t?.stop();
  await mongo?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("database trouble", () => {
  it("answers UNAVAILABLE on every RPC while the database is still frozen, then recovers", async () => {
    mongo.kill("SIGSTOP");
    try {
      const calls: Array<[string, () => Promise<unknown>]> = [
        ["GetRun", () => t.connectJson.getRun({ runId })],
        ["ListRunMessages", () => t.connectJson.listRunMessages({ runId })],
        ["ListRunFeedback", () => t.connectJson.listRunFeedback({ runId })],
        ["CreateRunFeedback", () => t.connectJson.createRunFeedback({ runId, rating: 1 })],
        ["DeleteRunFeedback", () => t.connectJson.deleteRunFeedback({ runId, feedbackId: "f" })],
        ["CancelRun", () => t.connectJson.cancelRun({ runId })],
        ["WaitRun", () => t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("x") } })],
        ["StreamRun", () => collect(t.grpc.streamRun({ run: { assistantId: "demo", input: userInput("x") } }))],
        ["JoinRun", () => collect(t.grpc.joinRun({ runId }))],
        ["ListRuns", () => t.connectJson.listRuns({})],
        // Not the reference run: a mark sent to the frozen database lands once it thaws.
        ["DeleteRun", () => t.connectJson.deleteRun({ runId: "never-existed" })],
        ["CancelRuns", () => t.connectJson.cancelRuns({ runIds: [runId] })],
        ["CreateThread", () => t.connectJson.threads.createThread({})],
        ["GetThread", () => t.connectJson.threads.getThread({ threadId: runId })],
        ["UpdateThread", () => t.connectJson.threads.updateThread({ threadId: runId, metadata: { a: 1 } })],
        ["DeleteThread", () => t.connectJson.threads.deleteThread({ threadId: runId })],
        ["SearchThreads", () => t.connectJson.threads.searchThreads({})],
      ];
      // Every answer is awaited before SIGCONT below: a call that hung on the
      // frozen database would never settle and the test would time out.
      const results = await Promise.all(calls.map(async ([name, call]) => [name, await call().then(() => null, (e: unknown) => e)] as const));
      for (const [name, error] of results) {
        expect(error, name).toBeInstanceOf(ConnectError);
        expect((error as ConnectError).code, name).toBe(Code.Unavailable);
      }
      const ready = await fetch(`${t.url}/readyz`);
      expect(ready.status).toBe(503);
    } finally {
      mongo.kill("SIGCONT");
    }
    const after = await t.connectJson.getRun({ runId });
    expect(after.run?.status).toBe(RunStatus.SUCCESS);
    expect((await fetch(`${t.url}/readyz`)).status).toBe(200);
  });

  it("a run rides out a graceful restart of the database mid-run, with no lost or duplicated event", async () => {
    const port = Number(new URL(mongo.uri).port);
    const stream = t.connectJson.streamRun({
      run: {
        assistantId: "demo",
        input: userInput("through a restart"),
        context: { delay_ms: 1200, custom_events: 50 },
        streamMode: [StreamMode.CUSTOM, StreamMode.UPDATES],
        onDisconnect: OnDisconnect.CONTINUE,
      },
    });
    const iterator = stream[Symbol.asyncIterator]();
    const first = (await iterator.next()).value!;
    const started = metadataOf(first);
    expect(started).toBeDefined();
    // The live stream may break while the database is gone; the run must not.
    const live = (async () => {
      for (let r = await iterator.next(); !r.done; r = await iterator.next());
    })().catch(() => undefined);
    await mongo.stop();
    mongo = await startMongoServer({ file: join(dir, "faults.mv"), port });
    // The restart happened mid-run: the run is still going.
    expect((await t.connectJson.getRun({ runId: started!.runId })).run?.status).toBe(RunStatus.RUNNING);
    await live;
    const joined = await collect(t.connectJson.joinRun({ runId: started!.runId }));
    const evs = events(joined);
    expectStrictlyIncreasing(eventIds(joined));
    expect(evs[0]?.kind.case).toBe("metadata");
    const failure = evs.find((e) => e.kind.case === "error");
    expect(endStatus(joined), `run error: ${JSON.stringify(failure?.kind.value)}`).toBe(RunStatus.SUCCESS);
    const progress = evs.flatMap((e) =>
      e.kind.case === "part" && e.kind.value.mode === StreamMode.CUSTOM ? [(toJson(ValueSchema, e.kind.value.data!) as { progress: number }).progress] : [],
    );
    expect(progress).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const messages = await t.connectJson.listRunMessages({ runId: started!.runId });
    expect(messages.messages.map((m) => m.message?.["type"])).toEqual(["human", "ai", "tool", "ai"]);
  });
});
