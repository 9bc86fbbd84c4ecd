import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { startTestServer, userInput, type TestServer } from "./helpers/server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

describe("WaitRun", () => {
  it("returns the run and the thread's final state from the checkpointer", async () => {
    let headers: Headers | undefined;
    const res = await t.connectJson.waitRun(
      { run: { assistantId: "demo", input: userInput("one two three four five"), metadata: { source: "test" } } },
      { onHeader: (h) => (headers = h) },
    );
    expect(res.run?.status).toBe(RunStatus.SUCCESS);
    expect(res.run?.metadata).toEqual({ source: "test" });
    expect(res.error).toBeUndefined();
    const messages = res.values?.["messages"] as Array<{ type: string; content: string }>;
    expect(messages.map((m) => m.type)).toEqual(["human", "ai", "tool", "ai"]);
    expect(messages[3]!.content).toBe("The text has 5 words.");
    expect(headers?.get("x-run-id")).toBe(res.run?.runId);
    expect(headers?.get("x-thread-id")).toBe(res.run?.threadId);
  });

  it("continues a thread: the second run sees the first run's messages", async () => {
    const first = await t.grpc.waitRun({ run: { assistantId: "demo", input: userInput("a b") } });
    const second = await t.grpc.waitRun({ run: { assistantId: "demo", threadId: first.run!.threadId, input: userInput("c d e") } });
    expect(second.run?.threadId).toBe(first.run?.threadId);
    const messages = second.values?.["messages"] as Array<{ content: string }>;
    expect(messages).toHaveLength(8);
    expect(messages[7]!.content).toBe("The text has 3 words.");
  });

  it("returns status ERROR with the error when the graph fails", async () => {
    const res = await t.connectBinary.waitRun({ run: { assistantId: "demo", input: userInput("x"), context: { fail: true } } });
    expect(res.run?.status).toBe(RunStatus.ERROR);
    expect(res.error).toMatchObject({ name: "Error", message: "boom" });
    expect(res.run?.error?.message).toBe("boom");
  });

  it("resumes an interrupted graph with command.resume", async () => {
    const first = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("p q"), context: { interrupt: true } } });
    expect(first.run?.status).toBe(RunStatus.SUCCESS);
    expect((first.values?.["messages"] as unknown[]).length).toBe(3);
    const resumed = await t.connectJson.waitRun({
      run: { assistantId: "demo", threadId: first.run!.threadId, command: { resume: "yes" }, context: { interrupt: true } },
    });
    const messages = resumed.values?.["messages"] as Array<{ content: string }>;
    expect(messages.at(-1)?.content).toBe("The text has 2 words.");
  });

  it("starts from an earlier checkpoint with checkpoint_id", async () => {
    const first = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("a") } });
    const stream = t.connectJson.streamRun({
      run: { assistantId: "demo", threadId: first.run!.threadId, input: userInput("b c"), streamMode: [7] },
    });
    const checkpoints: string[] = [];
    for await (const r of stream) {
      if (r.payload.case === "event" && r.payload.value.kind.case === "part") {
        const data = toJson(ValueSchema, r.payload.value.kind.value.data!) as { config: { configurable: { checkpoint_id: string } } };
        checkpoints.push(data.config.configurable.checkpoint_id);
      }
    }
    expect(checkpoints.length).toBeGreaterThan(1);
    // Fork from the checkpoint before the second run's input: only the first exchange remains, plus the new one.
    const forked = await t.connectJson.waitRun({
      run: { assistantId: "demo", threadId: first.run!.threadId, checkpointId: checkpoints[0]!, input: userInput("x y z") },
    });
    const messages = forked.values?.["messages"] as Array<{ content: string }>;
    expect(messages).toHaveLength(8);
    expect(messages.at(-1)?.content).toBe("The text has 3 words.");
  });
});
