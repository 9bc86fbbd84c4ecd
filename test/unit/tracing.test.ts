// Spans of the whole app in process, caught by the SDK's in-memory exporter
// (the Jaeger test, test/tracing.test.ts, checks the same over OTLP): one span
// per RPC in the caller's trace, the run's span under the RPC that created it
// with the id every replica derives, node, chat model and tool spans under it,
// and later RPCs on the run linked to the run's span.
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { runSpanId } from "../../src/domain/trace-context.js";
import { startTelemetry, type Telemetry } from "../../src/runtime/telemetry.js";
import { unitService, userInput, type UnitService } from "./harness.js";

const exporter = new InMemorySpanExporter();
let telemetry: Telemetry;
let s: UnitService;
const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const traceparent = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

beforeAll(async () => {
  telemetry = startTelemetry({ exporter });
  s = await unitService();
});
afterAll(async () => {
  await s.close();
  await telemetry.shutdown();
});

/** The exported spans of one trace once `count` match `done` (the batch processor exports them a little later). */
async function spansOf(traceId: string, done: (spans: ReadableSpan[]) => boolean): Promise<ReadableSpan[]> {
  for (let i = 0; i < 100; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const spans = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === traceId);
    if (done(spans)) return spans;
  }
  throw new Error(`trace ${traceId}: ${exporter.getFinishedSpans().map((x) => x.name).join(", ")}`);
}

describe("tracing in process", () => {
  it("WaitRun with a traceparent: RPC span, run span as its child, node, chat and tool spans under the run", async () => {
    const client = s.as(null, { traceparent });
    const done = await client.waitRun({ run: { assistantId: "demo", input: userInput("count these four words") } });
    expect(done.run?.status).toBe(RunStatus.SUCCESS);
    const runId = done.run!.runId;
    const spans = await spansOf(TRACE_ID, (all) => all.some((x) => x.name === "agentruns.v1.RunsService/WaitRun") && all.some((x) => x.name === "run demo"));
    const rpc = spans.find((x) => x.name === "agentruns.v1.RunsService/WaitRun")!;
    expect(rpc.parentSpanContext?.spanId).toBe("00f067aa0ba902b7");
    expect(rpc.attributes).toMatchObject({ "rpc.method": "WaitRun", run_id: runId, assistant_id: "demo" });
    const run = spans.find((x) => x.name === "run demo")!;
    expect(run.parentSpanContext?.spanId).toBe(rpc.spanContext().spanId);
    expect(run.spanContext().spanId).toBe(runSpanId(runId));
    // A resumption after a hand-over is a span of its own: its id differs from the first attempt's.
    expect(new Set([runSpanId(runId), runSpanId(runId, 1), runSpanId(runId, 2)]).size).toBe(3);
    expect(run.attributes).toMatchObject({ run_id: runId, thread_id: done.run!.threadId, assistant_id: "demo", run_status: "success" });
    const under = (parent: ReadableSpan) => spans.filter((x) => x.parentSpanContext?.spanId === parent.spanContext().spanId);
    const nodes = under(run).map((x) => x.name);
    // agent (tool call), tools, agent (answer)
    expect(nodes).toEqual(["node agent", "node tools", "node agent"]);
    const [, toolsNode, answer] = under(run).sort((a, b) => (a.startTime[0] - b.startTime[0]) * 1e9 + (a.startTime[1] - b.startTime[1]));
    expect(under(toolsNode!).map((x) => [x.name, x.attributes["gen_ai.tool.name"]])).toEqual([["execute_tool word_count", "word_count"]]);
    expect(under(answer!).map((x) => x.attributes["gen_ai.operation.name"])).toEqual(["chat"]);
    expect(under(answer!)[0]!.attributes).toMatchObject({ run_id: runId, "langchain.name": "FakeListChatModel" });
  });

  it("an RPC on an existing run (AwaitRun) is in its caller's trace, linked to the run's span", async () => {
    const created = await s.as(null, { traceparent }).createRun({ run: { assistantId: "demo", input: userInput("a b") } });
    const runId = created.run!.runId;
    const otherTrace = "0af7651916cd43dd8448eb211c80319c";
    await s.as(null, { traceparent: `00-${otherTrace}-b7ad6b7169203331-01` }).awaitRun({ runId });
    const [awaited] = await spansOf(otherTrace, (all) => all.length === 1);
    expect(awaited!.name).toBe("agentruns.v1.RunsService/AwaitRun");
    expect(awaited!.links.map((link) => [link.context.traceId, link.context.spanId])).toEqual([[TRACE_ID, runSpanId(runId)]]);
    // The run span itself is in the creating call's trace, exported when the run ended.
    const inCreator = await spansOf(TRACE_ID, (all) => all.some((x) => x.spanContext().spanId === runSpanId(runId)));
    const createSpan = inCreator.find((x) => x.name === "agentruns.v1.RunsService/CreateRun" && x.attributes["run_id"] === runId)!;
    expect(inCreator.find((x) => x.spanContext().spanId === runSpanId(runId))!.parentSpanContext?.spanId).toBe(createSpan.spanContext().spanId);
    expect(createSpan.links).toEqual([]);
  });

  it("keeps the trace context with the run: the record holds the creating RPC's traceparent", async () => {
    const created = await s.as(null, { traceparent }).createRun({ run: { assistantId: "demo", input: userInput("x") } });
    const record = await s.app.stores.runs.get(created.run!.runId);
    expect(record?.traceParent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-01$`));
    await s.client.awaitRun({ runId: created.run!.runId });
  });

  it("a call without a traceparent starts a trace of its own; a client's error leaves the span's status unset", async () => {
    const missing = "00000000-0000-4000-8000-000000000000";
    await expect(s.client.getRun({ runId: missing })).rejects.toThrow(/not found/i);
    let get: ReadableSpan | undefined;
    for (let i = 0; i < 100 && !get; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      get = exporter.getFinishedSpans().find((x) => x.name === "agentruns.v1.RunsService/GetRun");
    }
    expect(get?.parentSpanContext).toBeUndefined();
    expect(get?.attributes["rpc.grpc.status_code"]).toBe(5);
    expect(get?.status.code).toBe(0);
  });
});
