// Issue 15 item 12: big JSON is bounded per field (keys and bytes), and
// another user's run is never read back: the owner is part of the store query,
// so its size cannot show in the answer or in what the service does with it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import type { JsonObject, JsonValue, RunRecord } from "../../src/domain/records.js";
import { collect, unitService, userInput, type UnitService } from "./harness.js";

let s: UnitService;
beforeAll(async () => {
  s = await unitService({}, { auth: { api_keys: [{ key: "alice", user_id: "alice" }, { key: "bob", user_id: "bob" }] } });
});
afterAll(() => s.close());

const failure = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));
const keys = (n: number, value: JsonValue = 1): JsonObject => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value]));

describe("JSON bounds per field", () => {
  it.each([
    ["metadata with 100,000 keys", { metadata: keys(100_000) }, "run.metadata", "more than 1000 keys"],
    ["metadata with 1,001 keys", { metadata: keys(1_001) }, "run.metadata", "more than 1000 keys"],
    ["metadata over 64 KiB", { metadata: keys(20, "x".repeat(4096)) }, "run.metadata", "larger than 64 KiB"],
    ["config over 256 KiB", { config: { configurable: keys(80, "x".repeat(4096)) } }, "run.config", "larger than 256 KiB"],
    ["an input object with 10,001 keys", { input: { ...userInput("hi"), extra: keys(10_001) } }, "run.input.extra", "more than 10000 keys in one object"],
    ["input with 100,001 array items", { input: { ...userInput("hi"), extra: Array(100_001).fill(0) } }, "run.input", "more than 100000 keys"],
    ["context with 100,001 keys in all", { context: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`o${i}`, keys(9_100)])) }, "run.context", "more than 100000 keys"],
  ])("refuses %s, naming the field", async (_name, fields, field, why) => {
    const error = await failure(s.as("alice").waitRun({ run: { assistantId: "demo", input: userInput("hi"), ...fields } as never }));
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toContain(`${field}: ${why}`);
    expect(error?.findDetails(ErrorInfoSchema)[0]?.metadata["field"]).toBe(field);
  });

  it("accepts fields at the bounds", async () => {
    // About 60 KiB: 1,000 keys of 50-character strings.
    const metadata = keys(1_000, "x".repeat(50));
    const { run } = await s.as("alice").waitRun({ run: { assistantId: "demo", input: userInput("hi"), metadata } });
    expect(Object.keys((await s.as("alice").getRun({ runId: run!.runId })).run!.metadata ?? {})).toHaveLength(1_000);
  });
});

describe("ownership in the query", () => {
  it("never reads back another user's run: each RPC on it answers NOT_FOUND without the store handing it over", async () => {
    const metadata = keys(900, "x".repeat(60));
    const { run } = await s.as("alice").waitRun({ run: { assistantId: "demo", input: userInput("mine"), metadata } });
    const runId = run!.runId;
    // Every record the stores hand the application, by run id.
    const handedOver: string[] = [];
    const runs = s.app.stores.runs;
    const original = { get: runs.get.bind(runs), getOwned: runs.getOwned.bind(runs) };
    const record = (found: RunRecord | null) => (found && handedOver.push(found.runId), found);
    runs.get = async (id) => record(await original.get(id));
    runs.getOwned = async (id, user) => record(await original.getOwned(id, user));
    try {
      const bob = s.as("bob");
      const calls: Promise<unknown>[] = [
        bob.getRun({ runId }),
        collect(bob.joinRun({ runId })),
        bob.listRunMessages({ runId }),
        bob.cancelRun({ runId }),
        bob.createRunFeedback({ runId, rating: 1 }),
        bob.listRunFeedback({ runId }),
        bob.deleteRunFeedback({ runId, feedbackId: "f" }),
      ];
      for (const call of calls) expect((await failure(call))?.code).toBe(Code.NotFound);
      expect(handedOver.filter((id) => id === runId)).toEqual([]);
      // The owner still gets it, through the same query.
      expect((await s.as("alice").getRun({ runId })).run?.runId).toBe(runId);
      expect(handedOver.filter((id) => id === runId)).toHaveLength(1);
    } finally {
      Object.assign(runs, original);
    }
  });
});
