// Request shapes of DeerFlow's runs-API tests, sent as raw Connect JSON the
// way a client leaving DeerFlow's gateway would send them.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { ErrorInfoSchema } from "../gen/google/rpc/error_details_pb.js";
import { startTestServer, userInput, type TestServer } from "./helpers/server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

interface ConnectAnswer {
  status: number;
  body: Record<string, unknown> & { code?: string; message?: string };
}

async function post(method: string, body: unknown): Promise<ConnectAnswer> {
  if (STREAMING.has(method)) return postStream(method, body);
  const res = await fetch(`${t.url}/agentruns.v1.RunsService/${method}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as ConnectAnswer["body"] };
}

const STREAMING = new Set(["StreamRun", "JoinRun"]);

/** Server-streaming RPCs over Connect JSON: one enveloped request; the error, if any, is in the end-of-stream envelope. */
async function postStream(method: string, body: unknown): Promise<ConnectAnswer> {
  const json = Buffer.from(JSON.stringify(body));
  const envelope = Buffer.concat([Buffer.from([0, 0, 0, 0, 0]), json]);
  envelope.writeUInt32BE(json.length, 1);
  const res = await fetch(`${t.url}/agentruns.v1.RunsService/${method}`, {
    method: "POST",
    headers: { "content-type": "application/connect+json" },
    body: envelope,
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let end: ConnectAnswer["body"] = {};
  for (let at = 0; at + 5 <= bytes.length; at += 5 + bytes.readUInt32BE(at + 1)) {
    const frame = JSON.parse(bytes.subarray(at + 5, at + 5 + bytes.readUInt32BE(at + 1)).toString()) as Record<string, unknown>;
    if (bytes[at]! & 0x02) end = (frame["error"] ?? {}) as ConnectAnswer["body"];
  }
  return { status: res.status, body: end };
}

async function get(method: string, message: unknown): Promise<ConnectAnswer> {
  const query = new URLSearchParams({ connect: "v1", encoding: "json", message: JSON.stringify(message) });
  const res = await fetch(`${t.url}/agentruns.v1.RunsService/${method}?${query}`);
  return { status: res.status, body: (await res.json()) as ConnectAnswer["body"] };
}

const wait = (run: Record<string, unknown>) => post("WaitRun", { run: { assistant_id: "demo", ...run } });
const runOf = (answer: ConnectAnswer) => answer.body["run"] as { runId: string; threadId: string; status: string };

describe("the thread named in config.configurable.thread_id", () => {
  it("is the thread the run uses, so the conversation goes on", async () => {
    const first = await wait({ input: userInput("first turn") });
    const threadId = runOf(first).threadId;
    const second = await wait({ input: userInput("second turn"), config: { configurable: { thread_id: threadId } } });
    expect(second.status).toBe(200);
    expect(runOf(second).threadId).toBe(threadId);
    const messages = (second.body["values"] as { messages: Array<{ content: unknown }> }).messages;
    expect(messages.map((m) => m.content)).toContain("first turn");
  });

  it("is refused when thread_id names another thread, naming both fields", async () => {
    const answer = await wait({ thread_id: randomUUID(), input: userInput("x"), config: { configurable: { thread_id: randomUUID() } } });
    expect(answer.body.code).toBe("invalid_argument");
    expect(answer.body.message).toContain("run.thread_id");
    expect(answer.body.message).toContain("run.config.configurable.thread_id");
  });

  it("agrees with thread_id when both name the same thread", async () => {
    const threadId = randomUUID();
    const answer = await wait({ thread_id: threadId, input: userInput("x"), config: { configurable: { thread_id: threadId.toUpperCase() } } });
    expect(runOf(answer).threadId).toBe(threadId);
  });
});

describe("JSON null", () => {
  it.each([
    ["config: null", { config: null }],
    ["config.configurable: null", { config: { configurable: null } }],
  ])("%s is the same as absent", async (_name, run) => {
    const answer = await wait({ input: userInput("nulls"), ...run });
    expect(runOf(answer).status).toBe("RUN_STATUS_SUCCESS");
  });
});

describe("thread ids", () => {
  it.each(["A1_b-2", "thread-1", "x".repeat(64)])("accepts DeerFlow's canonical id %s", async (threadId) => {
    const answer = await wait({ thread_id: threadId, input: userInput("canonical") });
    expect(runOf(answer).threadId).toBe(threadId);
    const again = await wait({ input: userInput("again"), config: { configurable: { thread_id: threadId } } });
    expect(runOf(again).threadId).toBe(threadId);
  });

  it.each(["a b", "x".repeat(65), "ü", "a/b", "a.b"])("refuses %s naming run.thread_id", async (threadId) => {
    const answer = await wait({ thread_id: threadId, input: userInput("x") });
    expect(answer.body.code).toBe("invalid_argument");
    expect(answer.body.message).toMatch(/^run\.thread_id/);
  });
});

describe("no input", () => {
  it("runs as an empty input, as DeerFlow does", async () => {
    const answer = await wait({});
    expect(runOf(answer).status).toBe("RUN_STATUS_SUCCESS");
    expect(answer.body["error"]).toBeUndefined();
  });
});

describe("input messages LangChain cannot coerce", () => {
  it.each([
    ["a message with no role", [{ role: "human", content: "ok" }, { oops: "no role" }], "run.input.messages[1]"],
    ["a tool message with no tool_call_id", [{ role: "tool", content: "x" }], "run.input.messages[0]"],
  ])("%s is refused before a thread or run exists", async (_name, messages, field) => {
    const threadId = randomUUID();
    for (const method of ["WaitRun", "StreamRun"]) {
      const answer = await post(method, { run: { assistant_id: "demo", thread_id: threadId, input: { messages } } });
      expect(answer.body.code).toBe("invalid_argument");
      expect(answer.body.message?.startsWith(field)).toBe(true);
    }
    expect(await t.server.app.stores.threads.get(threadId)).toBeNull();
  });
});

describe("unknown JSON fields and enum names", () => {
  it.each([
    ["on_completion", { on_completion: "delete" }],
    ["checkpoint_during", { checkpoint_during: true }],
    ["if_not_exists", { if_not_exists: "create" }],
    ["stream_resumable", { stream_resumable: true }],
    ["feedback_keys", { feedback_keys: ["x"] }],
    ["after_seconds", { after_seconds: 5 }],
  ])("refuses the unknown field %s by name, and stores nothing", async (field, extra) => {
    const threadId = randomUUID();
    const answer = await wait({ thread_id: threadId, input: userInput("x"), ...extra });
    expect(answer.body.code).toBe("invalid_argument");
    expect(answer.body.message).toContain(`"${field}"`);
    expect(await t.server.app.stores.threads.get(threadId)).toBeNull();
  });

  it.each([
    ["on_disconnect", { on_disconnect: "ON_DISCONNECT_CONTNUE" }, "ON_DISCONNECT_CONTNUE"],
    ["multitask_strategy", { multitask_strategy: "MULTITASK_STRATEGY_BOGUS" }, "MULTITASK_STRATEGY_BOGUS"],
    ["stream_mode", { stream_mode: ["STREAM_MODE_EVENTS"] }, "STREAM_MODE_EVENTS"],
  ])("refuses an unknown %s name", async (_field, extra, value) => {
    for (const method of ["WaitRun", "StreamRun"]) {
      const answer = await post(method, { run: { assistant_id: "demo", input: userInput("x"), ...extra } });
      expect(answer.body.code).toBe("invalid_argument");
      expect(answer.body.message).toContain(value);
    }
  });

  it("refuses unknown fields on every RPC, over POST and GET", async () => {
    const runId = runOf(await wait({ input: userInput("x") })).runId;
    for (const method of ["GetRun", "ListRunMessages", "ListRunFeedback"]) {
      for (const send of [post, get]) {
        const answer = await send(method, { run_id: runId, page: 2 });
        expect(answer.body.code, `${method} ${send.name}`).toBe("invalid_argument");
        expect(answer.body.message).toContain('"page"');
      }
    }
    for (const [method, body] of [
      ["CancelRun", { run_id: runId, force: true }],
      ["JoinRun", { run_id: runId, from: 1 }],
      ["CreateRunFeedback", { run_id: runId, rating: 1, score: 5 }],
      ["DeleteRunFeedback", { run_id: runId, feedback_id: randomUUID(), all: true }],
    ] as const) {
      const answer = await post(method, body);
      expect(answer.body.code, method).toBe("invalid_argument");
    }
  });
});

describe("CancelRun on a run that already ended", () => {
  it("is FAILED_PRECONDITION with reason RUN_NOT_ACTIVE for success and error", async () => {
    const ok = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("done") } });
    const failed = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("x"), context: { fail: true } } });
    expect(failed.run?.status).toBe(RunStatus.ERROR);
    for (const run of [ok.run!, failed.run!]) {
      const error = await t.grpc.cancelRun({ runId: run.runId }).catch((e: unknown) => ConnectError.from(e));
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
      expect((error as ConnectError).findDetails(ErrorInfoSchema)[0]?.reason).toBe("RUN_NOT_ACTIVE");
      expect((await t.grpc.getRun({ runId: run.runId })).run?.status).toBe(run.status);
    }
  });

  it("stays OK for an interrupted run, as often as it is asked", async () => {
    const started = t.connectJson.streamRun({ run: { assistantId: "demo", input: userInput("x"), context: { delay_ms: 30_000 } } });
    const iterator = started[Symbol.asyncIterator]();
    const first = await iterator.next();
    const event = first.value?.payload;
    const runId = event?.case === "event" && event.value.kind.case === "metadata" ? event.value.kind.value.runId : "";
    expect(runId).not.toBe("");
    const cancelled = await t.connectJson.cancelRun({ runId, wait: true });
    expect(cancelled.run?.status).toBe(RunStatus.INTERRUPTED);
    const again = await t.connectJson.cancelRun({ runId, wait: true });
    expect(again.run?.status).toBe(RunStatus.INTERRUPTED);
    await iterator.return?.();
  });
});

describe("proto3 JSON for raw-JSON clients", () => {
  it("leaves out hasMore on a last page and empty lists, as the README says", async () => {
    const runId = runOf(await wait({ input: userInput("one page") })).runId;
    const page = await post("ListRunMessages", { run_id: runId, limit: 200 });
    expect(page.status).toBe(200);
    expect((page.body["messages"] as unknown[]).length).toBeGreaterThan(0);
    expect("hasMore" in page.body).toBe(false);
    // No feedback: the list is left out, and the summary's zero counts with it (an empty message).
    const feedback = await get("ListRunFeedback", { run_id: runId });
    expect(feedback.status).toBe(200);
    expect(feedback.body).toEqual({ summary: {} });
  });
});

describe("reserved config.configurable keys", () => {
  it.each(["__pregel_checkpointer", "__pregel_send", "checkpoint_ns", "checkpoint_id", "checkpoint_map", "run_id"])(
    "refuses %s naming it, and stores nothing",
    async (key) => {
      const threadId = randomUUID();
      const answer = await wait({ thread_id: threadId, input: userInput("x"), config: { configurable: { [key]: "x" } } });
      expect(answer.body.code).toBe("invalid_argument");
      expect(answer.body.message?.startsWith(`run.config.configurable.${key}`)).toBe(true);
      expect(await t.server.app.stores.threads.get(threadId)).toBeNull();
    },
  );

  it("still passes the graph's own configurable keys through", async () => {
    const answer = await wait({ input: userInput("x"), config: { configurable: { model: "fake", delay_ms: 0 } } });
    expect(runOf(answer).status).toBe("RUN_STATUS_SUCCESS");
  });
});
