// --max-active-runs-per-user holds under concurrency, on both stores: of 20
// creates racing against a limit of 2 exactly 2 start (the limit was a
// count-then-insert, and racing creates all counted the same number), a
// create that fails gives its slot back, and once runs end new ones start.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { MultitaskStrategy, OnDisconnect } from "../gen/agentruns/v1/runs_pb.js";
import { collect, startTestServer, userInput, type TestServer } from "./helpers/server.js";

const LIMIT = 2;
const RACERS = 20;

const stores: Array<[string, () => Parameters<typeof startTestServer>[0]]> = [
  ["memory", () => ({ store: "memory" })],
  ["mongodb", () => ({ store: "mongodb", mongodbUri: inject("mongodbUri"), mongodbDatabase: `limit_${randomUUID().slice(0, 8)}` })],
];

const outcome = (call: Promise<unknown>) => call.then(() => "ok", (e: unknown) => Code[ConnectError.from(e).code]);
const tally = (codes: string[]) => codes.reduce<Record<string, number>>((n, c) => ({ ...n, [c]: (n[c] ?? 0) + 1 }), {});

describe.each(stores)("on the %s store", (_name, config) => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ ...config(), maxActiveRunsPerUser: LIMIT });
  });
  afterAll(() => t.stop());

  const slowRun = (threadId?: string, delayMs = 400) => ({
    run: { assistantId: "demo", threadId, input: userInput("s"), context: { delay_ms: delayMs }, onDisconnect: OnDisconnect.CONTINUE },
  });

  it(`starts exactly ${LIMIT} of ${RACERS} concurrent WaitRuns, then admits new ones once they end`, async () => {
    const codes = await Promise.all(Array.from({ length: RACERS }, () => outcome(t.grpc.waitRun(slowRun()))));
    expect(tally(codes)).toEqual({ ok: LIMIT, ResourceExhausted: RACERS - LIMIT });
    expect(await outcome(t.grpc.waitRun(slowRun(undefined, 0)))).toBe("ok");
  });

  it(`starts exactly ${LIMIT} of ${RACERS} concurrent StreamRuns, then admits new ones once they end`, async () => {
    const codes = await Promise.all(Array.from({ length: RACERS }, () => outcome(collect(t.connectJson.streamRun(slowRun())))));
    expect(tally(codes)).toEqual({ ok: LIMIT, ResourceExhausted: RACERS - LIMIT });
    expect(await outcome(collect(t.connectJson.streamRun(slowRun(undefined, 0))))).toBe("ok");
  });

  it("gives back the slot of a create that fails, and of a queued run cancelled before it started", async () => {
    const threadId = randomUUID();
    const holder = t.grpc.waitRun(slowRun(threadId, 1000));
    await expect.poll(async () => (await t.server.app.stores.runs.listByThread(threadId, ["running"])).length).toBe(1);
    // Refused on the busy thread after the slot was taken: each must give it back.
    const busy = await Promise.all(Array.from({ length: 5 }, () => outcome(t.grpc.waitRun(slowRun(threadId)))));
    expect(busy).toEqual(Array(5).fill("FailedPrecondition"));
    // Queued behind the holder (pending, so holding the second slot), then cancelled while pending.
    const queued = outcome(t.grpc.waitRun({ run: { ...slowRun(threadId).run, multitaskStrategy: MultitaskStrategy.ENQUEUE } }));
    let pendingId = "";
    await expect.poll(async () => (pendingId = (await t.server.app.stores.runs.listByThread(threadId, ["pending"]))[0]?.runId ?? "")).not.toBe("");
    expect(await outcome(t.grpc.waitRun(slowRun(undefined, 0)))).toBe("ResourceExhausted");
    await t.grpc.cancelRun({ runId: pendingId });
    expect(await queued).toBe("ok");
    // The holder still runs; the second slot is free again.
    expect(await outcome(t.grpc.waitRun(slowRun(undefined, 0)))).toBe("ok");
    expect(await outcome(holder)).toBe("ok");
  });
});
