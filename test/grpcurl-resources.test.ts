// Runs and threads as resources from grpcurl against the real service, with
// nothing but server reflection: what an engineer debugging a deployment
// types. Describes ThreadsService, then starts a background run, awaits it,
// lists the thread's runs and reads the thread's state.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { grpcurl } from "./helpers/tools.js";

let t: TestServer;
let address: string;
beforeAll(async () => {
  t = await startTestServer();
  address = `127.0.0.1:${t.port}`;
});
afterAll(() => t.stop());

async function call(method: string, request: object): Promise<any> {
  const { stdout, stderr, code } = await grpcurl("-d", JSON.stringify(request), address, method);
  expect(stderr, `${method}: ${stderr}`).toBe("");
  expect(code).toBe(0);
  return JSON.parse(stdout);
}

describe("grpcurl on the real service", () => {
  it("lists both services and describes ThreadsService from reflection", async () => {
    const listed = await grpcurl(address, "list");
    expect(listed.stdout.trim().split("\n")).toEqual([
      "agentruns.v1.RunsService",
      "agentruns.v1.ThreadsService",
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]);
    const described = await grpcurl(address, "describe", "agentruns.v1.ThreadsService");
    expect(described.code).toBe(0);
    expect(described.stdout).toMatch(/rpc GetThreadState \( \.agentruns\.v1\.GetThreadStateRequest \) returns \( \.agentruns\.v1\.GetThreadStateResponse \) \{\s*option idempotency_level = NO_SIDE_EFFECTS;/);
    const runs = await grpcurl(address, "describe", "agentruns.v1.RunsService");
    for (const rpc of ["CreateRun", "AwaitRun", "ListRuns", "DeleteRun", "CancelRuns", "UpdateRunFeedback"]) expect(runs.stdout).toContain(`rpc ${rpc} (`);
  });

  it("CreateRun, AwaitRun, ListRuns and GetThreadState", async () => {
    const input = { messages: [{ role: "user", content: "from grpcurl" }] };
    const { run } = await call("agentruns.v1.RunsService/CreateRun", { run: { assistant_id: "demo", input } });
    expect(["RUN_STATUS_PENDING", "RUN_STATUS_RUNNING"]).toContain(run.status);

    const awaited = await call("agentruns.v1.RunsService/AwaitRun", { run_id: run.runId });
    expect(awaited.run.status).toBe("RUN_STATUS_SUCCESS");
    expect(awaited.values.messages.map((m: { type: string }) => m.type)).toEqual(["human", "ai", "tool", "ai"]);

    const listed = await call("agentruns.v1.RunsService/ListRuns", { thread_id: run.threadId });
    expect(listed.runs.map((r: { runId: string }) => r.runId)).toEqual([run.runId]);
    expect(listed.nextPageToken).toBeUndefined();

    const { state } = await call("agentruns.v1.ThreadsService/GetThreadState", { thread_id: run.threadId });
    expect(state.values.messages).toEqual(awaited.values.messages);
    expect(state.checkpointId).toMatch(/\S/);
    expect(state.next).toBeUndefined();
  });

  it("gets INVALID_ARGUMENT naming the field for a page size out of range", async () => {
    const { stderr, code } = await grpcurl("-d", JSON.stringify({ page_size: 201 }), address, "agentruns.v1.RunsService/ListRuns");
    expect(code).not.toBe(0);
    expect(stderr).toContain("Code: InvalidArgument");
    expect(stderr).toContain("page_size");
  });
});
