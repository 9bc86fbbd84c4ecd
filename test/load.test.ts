// Many concurrent streams on one process: every stream receives every event
// of its run, in order, with nothing missing (checked against the stored
// log). 1,000 streams on the memory store, 200 on MongoDB. Timing is not
// asserted here; throughput and memory per stream live in bench/.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { StreamMode, RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { endStatus, eventIds, events, expectStrictlyIncreasing, metadataOf } from "./helpers/events.js";
import { collect, startTestServer, userInput, type TestServer } from "./helpers/server.js";

const CUSTOM_EVENTS = 20;
const servers: TestServer[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
});

async function streamMany(t: TestServer, count: number) {
  const results = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      collect(
        t.client(i % 2 ? "grpc" : "connectBinary").streamRun({
          run: { assistantId: "demo", input: userInput(`load ${i}`), context: { custom_events: CUSTOM_EVENTS }, streamMode: [StreamMode.CUSTOM, StreamMode.UPDATES] },
        }),
      ),
    ),
  );
  let total = 0;
  for (const responses of results) {
    const evs = events(responses);
    total += evs.length;
    expect(evs[0]?.kind.case).toBe("metadata");
    expect(endStatus(responses)).toBe(RunStatus.SUCCESS);
    expectStrictlyIncreasing(eventIds(responses));
    const progress = evs.flatMap((e) =>
      e.kind.case === "part" && e.kind.value.mode === StreamMode.CUSTOM ? [(toJson(ValueSchema, e.kind.value.data!) as { progress: number }).progress] : [],
    );
    expect(progress).toEqual(Array.from({ length: CUSTOM_EVENTS }, (_, k) => k + 1));
  }
  // Nothing missing: a sample of streams equals the stored log replayed by JoinRun.
  for (const responses of results.filter((_, i) => i % Math.max(1, Math.floor(count / 20)) === 0)) {
    const replay = await collect(t.connectBinary.joinRun({ runId: metadataOf(responses[0])!.runId }));
    expect(eventIds(replay)).toEqual(eventIds(responses));
  }
  return total;
}

describe("load", () => {
  it("1,000 concurrent StreamRun streams on the memory store all get every event in order", { timeout: 240_000 }, async () => {
    const t = await startTestServer();
    servers.push(t);
    const events = await streamMany(t, 1000);
    expect(events).toBeGreaterThanOrEqual(1000 * (CUSTOM_EVENTS + 5));
  });

  it("200 concurrent StreamRun streams on MongoDB all get every event in order", { timeout: 240_000 }, async () => {
    // The Java test server answers by scanning; under 200 concurrent runs on 2 shared cores its calls take
    // seconds, so this test gives the database a generous bound (production MongoDB does not need it).
    const t = await startTestServer({ store: "mongodb", mongodbUri: inject("mongodbUri"), mongodbDatabase: `load_${randomUUID().slice(0, 8)}`, storeTimeoutMs: 20_000 });
    servers.push(t);
    const events = await streamMany(t, 200);
    expect(events).toBeGreaterThanOrEqual(200 * (CUSTOM_EVENTS + 5));
  });
});
