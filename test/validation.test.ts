// Every INVALID_ARGUMENT case names its field, answers before anything is
// stored, and leaves the server serving.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema } from "../gen/google/rpc/error_details_pb.js";
import { collect, startTestServer, userInput, type TestServer } from "./helpers/server.js";

let t: TestServer;
let runId: string;
beforeAll(async () => {
  t = await startTestServer();
  runId = (await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("x") } })).run!.runId;
});
afterAll(() => t.stop());

const VALID_THREAD = "0b8f3f0e-1d2c-4b5a-9c8d-7e6f5a4b3c2d";

const runCreateCases: Array<[string, Record<string, unknown> | undefined, string]> = [
  ["missing run", undefined, "run"],
  ["missing assistant_id", { assistantId: "" }, "run.assistant_id"],
  ["assistant_id too long", { assistantId: "a".repeat(129) }, "run.assistant_id"],
  ["thread_id with a space", { assistantId: "demo", threadId: "thread 1" }, "run.thread_id"],
  ["thread_id operator-shaped", { assistantId: "demo", threadId: '{"$ne":null}' }, "run.thread_id"],
  ["input and command together", { assistantId: "demo", input: userInput("a"), command: { resume: 1 } }, "run.command"],
  ["unknown command key", { assistantId: "demo", command: { jump: 1 } }, "run.command.jump"],
  ["unknown config key", { assistantId: "demo", config: { recursionLimit: 5 } }, "run.config.recursionLimit"],
  ["config.configurable not an object", { assistantId: "demo", config: { configurable: 3 } }, "run.config.configurable"],
  ["config.tags not strings", { assistantId: "demo", config: { tags: [1] } }, "run.config.tags"],
  ["config.recursion_limit zero", { assistantId: "demo", config: { recursion_limit: 0 } }, "run.config.recursion_limit"],
  ["config.recursion_limit fractional", { assistantId: "demo", config: { recursion_limit: 2.5 } }, "run.config.recursion_limit"],
  ["stream_mode unspecified", { assistantId: "demo", streamMode: [0] }, "run.stream_mode[0]"],
  ["stream_mode unknown value", { assistantId: "demo", streamMode: [1, 99] }, "run.stream_mode[1]"],
  ["multitask_strategy unknown value", { assistantId: "demo", multitaskStrategy: 42 }, "run.multitask_strategy"],
  ["on_disconnect unknown value", { assistantId: "demo", onDisconnect: 9 }, "run.on_disconnect"],
  ["interrupt_before unknown node", { assistantId: "demo", interruptBefore: ["nope"] }, "run.interrupt_before[0]"],
  ["interrupt_after unknown node", { assistantId: "demo", interruptAfter: ["agent", "x"] }, "run.interrupt_after[1]"],
  ["checkpoint_id without thread_id", { assistantId: "demo", checkpointId: "abc" }, "run.checkpoint_id"],
  ["checkpoint_id malformed", { assistantId: "demo", threadId: VALID_THREAD, checkpointId: "a b$" }, "run.checkpoint_id"],
  ["input nested too deep", { assistantId: "demo", input: nest(40) }, "run.input"],
  ["metadata nested too deep", { assistantId: "demo", metadata: nest(40) }, "run.metadata"],
];

function nest(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 0; i < depth; i++) value = { d: value };
  return value;
}

function expectInvalid(error: unknown, field: string) {
  expect(error).toBeInstanceOf(ConnectError);
  const e = error as ConnectError;
  expect(e.code).toBe(Code.InvalidArgument);
  expect(e.rawMessage.startsWith(field)).toBe(true);
  expect(e.rawMessage).not.toMatch(/at .*\.ts:\d+/);
  const [badRequest] = e.findDetails(BadRequestSchema);
  expect(badRequest?.fieldViolations[0]?.field.startsWith(field.replace(/\[.*$/, ""))).toBe(true);
}

describe.each(["connectJson", "grpc"] as const)("over %s", (transport) => {
  describe.each(runCreateCases)("StreamRun and WaitRun refuse %s", (_name, run, field) => {
    it("with INVALID_ARGUMENT naming the field", async () => {
      const client = t.client(transport);
      expectInvalid(await collect(client.streamRun({ run: run as never })).catch((e: unknown) => e), field);
      expectInvalid(await client.waitRun({ run: run as never }).catch((e: unknown) => e), field);
    });
  });

  it.each([
    ["GetRun", () => t.client(transport).getRun({ runId: "" }), "run_id"],
    ["GetRun", () => t.client(transport).getRun({ runId: "x".repeat(129) }), "run_id"],
    ["GetRun", () => t.client(transport).getRun({ runId: "bad\u0000id" }), "run_id"],
    ["CancelRun", () => t.client(transport).cancelRun({ runId: "" }), "run_id"],
    ["CancelRun", () => t.client(transport).cancelRun({ runId, action: 7 as never }), "action"],
    ["JoinRun", () => collect(t.client(transport).joinRun({ runId: "" })), "run_id"],
    ["ListRunMessages", () => t.client(transport).listRunMessages({ runId: "" }), "run_id"],
    ["ListRunFeedback", () => t.client(transport).listRunFeedback({ runId: "" }), "run_id"],
    ["CreateRunFeedback", () => t.client(transport).createRunFeedback({ runId: "", rating: 1 }), "run_id"],
    ["DeleteRunFeedback", () => t.client(transport).deleteRunFeedback({ runId, feedbackId: "" }), "feedback_id"],
  ])("%s refuses a bad %s", async (_rpc, call, field) => {
    expectInvalid(await (call as () => Promise<unknown>)().catch((e: unknown) => e), field as string);
  });
});

describe("hostile JSON", () => {
  it("refuses NaN and Infinity inside a Struct sent in binary", async () => {
    const error = await t.grpc.waitRun({ run: { assistantId: "demo", input: { n: Number.NaN } } }).catch((e: unknown) => e);
    expectInvalid(error, "run.input.n");
  });

  it("refuses a request body that is not JSON, with INVALID_ARGUMENT", async () => {
    const res = await fetch(`${t.url}/agentruns.v1.RunsService/GetRun`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe("invalid_argument");
  });

  it("refuses wrong types, with INVALID_ARGUMENT", async () => {
    const res = await fetch(`${t.url}/agentruns.v1.RunsService/ListRunMessages`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ run_id: runId, limit: "many" }),
    });
    expect(((await res.json()) as { code: string }).code).toBe("invalid_argument");
  });

  it("stores keys with dots and dollars as data, never as operators", async () => {
    const input = { ...userInput("odd keys"), "a.b": { $set: { x: 1 } }, $where: "1 == 1" };
    const res = await t.connectJson.waitRun({ run: { assistantId: "demo", input, metadata: { "$gt": "", "x.y": [1, { "$in": [] }] } } });
    const { run } = await t.connectJson.getRun({ runId: res.run!.runId });
    expect(run?.metadata).toEqual({ "$gt": "", "x.y": [1, { "$in": [] }] });
  });

  it("keeps serving after all of the above", async () => {
    const res = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("still here") } });
    expect(res.run?.runId).toBeTruthy();
  });
});
