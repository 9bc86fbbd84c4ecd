// Every RPC from grpc-js over h2c, with the client built from the .proto at
// run time as a polyglot backend would: JSON-shaped Struct values travel as
// google.protobuf.Struct on the wire, errors arrive as gRPC status codes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as grpc from "@grpc/grpc-js";
import { grpcJsClient, serverStream, unary } from "./helpers/grpc-js.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

let t: TestServer;
let client: ReturnType<typeof grpcJsClient>;
let threads: ReturnType<typeof grpcJsClient>;
beforeAll(async () => {
  t = await startTestServer();
  client = grpcJsClient(t.port);
  threads = grpcJsClient(t.port, "ThreadsService");
});
afterAll(async () => {
  client.close();
  threads.close();
  await t.stop();
});

/** A Struct as proto-loader wants it on the wire. */
function struct(value: Record<string, unknown>): unknown {
  const toValue = (v: unknown): unknown => {
    if (v === null) return { nullValue: "NULL_VALUE", kind: "nullValue" };
    if (typeof v === "string") return { stringValue: v, kind: "stringValue" };
    if (typeof v === "number") return { numberValue: v, kind: "numberValue" };
    if (typeof v === "boolean") return { boolValue: v, kind: "boolValue" };
    if (Array.isArray(v)) return { listValue: { values: v.map(toValue) }, kind: "listValue" };
    return { structValue: struct(v as Record<string, unknown>), kind: "structValue" };
  };
  return { fields: Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toValue(v)])) };
}

const input = () => struct({ messages: [{ role: "user", content: "from grpc-js" }] });

describe("grpc-js over h2c", () => {
  it("WaitRun, GetRun, ListRunMessages, feedback create/list/delete, JoinRun, CancelRun", async () => {
    const waited = await unary<any, any>(client, "WaitRun", { run: { assistant_id: "demo", input: input() } });
    expect(waited.run.status).toBe("RUN_STATUS_SUCCESS");
    const messages = waited.values.fields.messages.listValue.values;
    expect(messages).toHaveLength(4);
    const runId = waited.run.run_id;

    const got = await unary<any, any>(client, "GetRun", { run_id: runId });
    expect(got.run.run_id).toBe(runId);

    const page = await unary<any, any>(client, "ListRunMessages", { run_id: runId, limit: 2 });
    expect(page.messages).toHaveLength(2);
    expect(page.has_more).toBe(true);
    expect(page.messages.map((m: any) => m.message.fields.type.stringValue)).toEqual(["tool", "ai"]);

    const created = await unary<any, any>(client, "CreateRunFeedback", { run_id: runId, rating: -1, comment: "meh" });
    expect(created.feedback.rating).toBe(-1);
    const listed = await unary<any, any>(client, "ListRunFeedback", { run_id: runId });
    expect(listed.feedback.map((f: any) => f.feedback_id)).toEqual([created.feedback.feedback_id]);
    await unary(client, "DeleteRunFeedback", { run_id: runId, feedback_id: created.feedback.feedback_id });
    expect((await unary<any, any>(client, "ListRunFeedback", { run_id: runId })).feedback).toEqual([]);

    const joined = await serverStream<any>(client, "JoinRun", { run_id: runId }).done;
    const kinds = joined.messages.map((m) => m.event.kind);
    expect(kinds[0]).toBe("metadata");
    expect(kinds.at(-1)).toBe("end");

    // The run already ended: FAILED_PRECONDITION (gRPC code 9), as DeerFlow answers 409.
    const refused = await unary<any, any>(client, "CancelRun", { run_id: runId }).catch((e: { code: number }) => e);
    expect((refused as { code: number }).code).toBe(9);
  });

  it("StreamRun streams metadata first and end last", async () => {
    const { done, headers } = serverStream<any>(client, "StreamRun", {
      run: { assistant_id: "demo", input: input(), stream_mode: ["STREAM_MODE_VALUES", "STREAM_MODE_CUSTOM"], context: struct({ custom_events: 2 }) },
    });
    const { messages } = await done;
    const events = messages.filter((m) => m.payload === "event").map((m) => m.event);
    expect(events[0].kind).toBe("metadata");
    expect(events.at(-1).kind).toBe("end");
    expect(events.filter((e: any) => e.part?.mode === "STREAM_MODE_CUSTOM")).toHaveLength(2);
    expect((await headers).get("x-thread-id")[0]).toBe(events[0].metadata.thread_id);
  });

  it("CreateRun, AwaitRun, ListRuns and ThreadsService.GetThreadState", async () => {
    const { run } = await unary<any, any>(client, "CreateRun", { run: { assistant_id: "demo", input: input() } });
    expect(["RUN_STATUS_PENDING", "RUN_STATUS_RUNNING"]).toContain(run.status);
    const awaited = await unary<any, any>(client, "AwaitRun", { run_id: run.run_id });
    expect(awaited.run.status).toBe("RUN_STATUS_SUCCESS");
    const types = (values: any) => values.fields.messages.listValue.values.map((m: any) => m.structValue.fields.type.stringValue);
    expect(types(awaited.values)).toEqual(["human", "ai", "tool", "ai"]);

    // A second run on the thread, then both listed newest first.
    const second = await unary<any, any>(client, "WaitRun", { run: { assistant_id: "demo", thread_id: run.thread_id, input: input() } });
    const listed = await unary<any, any>(client, "ListRuns", { thread_id: run.thread_id, page_size: 1 });
    expect(listed.runs.map((r: any) => r.run_id)).toEqual([second.run.run_id]);
    expect(listed.next_page_token).not.toBe("");
    const rest = await unary<any, any>(client, "ListRuns", { thread_id: run.thread_id, page_size: 1, page_token: listed.next_page_token });
    expect(rest.runs.map((r: any) => r.run_id)).toEqual([run.run_id]);
    expect(rest.next_page_token).toBe("");

    const { state } = await unary<any, any>(threads, "GetThreadState", { thread_id: run.thread_id });
    expect(types(state.values)).toHaveLength(8);
    expect(state.checkpoint_id).not.toBe("");
    expect(state.next).toEqual([]);
  });

  it("gets gRPC status codes with the field named", async () => {
    const invalid = await unary(client, "ListRunMessages", { run_id: "x", limit: 500 }).catch((e: grpc.ServiceError) => e);
    expect((invalid as grpc.ServiceError).code).toBe(grpc.status.INVALID_ARGUMENT);
    expect((invalid as grpc.ServiceError).details).toMatch(/^limit:/);
    const missing = await unary(client, "GetRun", { run_id: "3f1c2b7e-0000-4000-8000-000000000000" }).catch((e: grpc.ServiceError) => e);
    expect((missing as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);
    const badMode = await serverStream<any>(client, "StreamRun", { run: { assistant_id: "demo", stream_mode: [42] } }).done.catch((e: grpc.ServiceError) => e);
    expect((badMode as grpc.ServiceError).code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});
