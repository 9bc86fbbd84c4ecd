// Traces as an operator sees them in a real Jaeger all-in-one (v1.76.0, OTLP
// over HTTP, in-memory storage): two service processes on one MongoDB export
// to it because OTEL_EXPORTER_OTLP_ENDPOINT is set. A run is one trace, the
// caller's: the RPC that created it, the run span under it, node, chat model
// and tool spans under that; a JoinRun and an AwaitRun on the other replica
// are in their own callers' traces, linked to the run's span.
import { randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport } from "@connectrpc/connect-node";
import { MultitaskStrategy, OnDisconnect, RunsService, RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { runSpanId } from "../src/domain/trace-context.js";
import { startJaeger, tag, traceWhen, type Jaeger, type JaegerSpan, type JaegerTrace } from "./helpers/jaeger.js";
import { spawnService, type ServiceProcess } from "./helpers/process.js";
import { collect, userInput } from "./helpers/server.js";

const SERVICE = `agent-runs-tracing-${randomUUID().slice(0, 8)}`;
let jaeger: Jaeger;
let a: ServiceProcess;
let b: ServiceProcess;

const hex = (bytes: number) => randomUUID().replace(/-/g, "").repeat(2).slice(0, bytes * 2);
/** A caller's W3C context: a fresh trace id and the caller's own span id. */
function callerContext() {
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

beforeAll(async () => {
  jaeger = await startJaeger();
  const database = `tracing_${randomUUID().slice(0, 8)}`;
  const env = { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttp, OTEL_SERVICE_NAME: SERVICE, OTEL_BSP_SCHEDULE_DELAY: "100" };
  const args = ["--mongodb-uri", inject("mongodbUri"), "--mongodb-database", database];
  [a, b] = await Promise.all([spawnService(args, env), spawnService(args, env)]);
}, 120_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await jaeger?.stop();
});

const named = (trace: JaegerTrace, name: string) => trace.spans.filter((s) => s.operationName === name);
const childrenOf = (trace: JaegerTrace, parent: JaegerSpan) =>
  trace.spans.filter((s) => s.references.some((r) => r.refType === "CHILD_OF" && r.spanID === parent.spanID)).sort((x, y) => Number((x as never as { startTime: number }).startTime) - Number((y as never as { startTime: number }).startTime));
const parentId = (span: JaegerSpan) => span.references.find((r) => r.refType === "CHILD_OF")?.spanID;

describe("OpenTelemetry traces in Jaeger", () => {
  it("WaitRun over gRPC with a traceparent: one trace with the RPC span, the run span and its node, chat and tool spans", async () => {
    const caller = callerContext();
    const grpc = createClient(RunsService, createGrpcTransport({ baseUrl: a.url }));
    const done = await grpc.waitRun({ run: { assistantId: "demo", input: userInput("four words right here") } }, { headers: { traceparent: caller.traceparent } });
    expect(done.run?.status).toBe(RunStatus.SUCCESS);
    const { runId, threadId } = done.run!;
    const trace = await traceWhen(jaeger, caller.traceId, (t) => t.spans.length >= 7);
    expect(trace.traceID).toBe(caller.traceId);
    expect(Object.values(trace.processes).map((p) => p.serviceName)).toContain(SERVICE);
    const [rpc] = named(trace, "agentruns.v1.RunsService/WaitRun");
    expect(parentId(rpc!)).toBe(caller.spanId);
    expect([tag(rpc!, "rpc.system"), tag(rpc!, "run_id"), tag(rpc!, "span.kind")]).toEqual(["grpc", runId, "server"]);
    const [run] = named(trace, "run demo");
    expect(run!.spanID).toBe(runSpanId(runId));
    expect(parentId(run!)).toBe(rpc!.spanID);
    expect([tag(run!, "run_id"), tag(run!, "thread_id"), tag(run!, "assistant_id"), tag(run!, "run_status")]).toEqual([runId, threadId, "demo", "success"]);
    const nodes = childrenOf(trace, run!);
    expect(nodes.map((s) => s.operationName)).toEqual(["node agent", "node tools", "node agent"]);
    expect(nodes.map((s) => tag(s, "run_id"))).toEqual([runId, runId, runId]);
    expect(childrenOf(trace, nodes[1]!).map((s) => [s.operationName, tag(s, "gen_ai.tool.name")])).toEqual([["execute_tool word_count", "word_count"]]);
    expect(childrenOf(trace, nodes[2]!).map((s) => tag(s, "gen_ai.operation.name"))).toEqual(["chat"]);
    // The service's log lines inside the RPC carry its trace id.
    const rpcLine = a.logs().split("\n").find((line) => line.includes('"msg":"rpc"') && line.includes(runId));
    expect(rpcLine).toContain(`"trace_id":"${caller.traceId}"`);
  });

  it("CreateRun over Connect on one replica, JoinRun and AwaitRun on the other: their spans link to the run's span in the creator's trace", async () => {
    const creator = callerContext();
    const connectA = createClient(RunsService, createConnectTransport({ baseUrl: a.url, httpVersion: "1.1" }));
    const created = await connectA.createRun(
      { run: { assistantId: "demo", input: userInput("a slow run"), context: { delay_ms: 300 }, onDisconnect: OnDisconnect.CONTINUE } },
      { headers: { traceparent: creator.traceparent } },
    );
    const runId = created.run!.runId;
    const joiner = callerContext();
    const awaiter = callerContext();
    const connectB = createClient(RunsService, createConnectTransport({ baseUrl: b.url, httpVersion: "1.1" }));
    const grpcB = createClient(RunsService, createGrpcTransport({ baseUrl: b.url }));
    const [joined, awaited] = await Promise.all([
      collect(connectB.joinRun({ runId }, { headers: { traceparent: joiner.traceparent } })),
      grpcB.awaitRun({ runId }, { headers: { traceparent: awaiter.traceparent } }),
    ]);
    expect(joined.length).toBeGreaterThan(1);
    expect(awaited.run?.status).toBe(RunStatus.SUCCESS);
    const runTrace = await traceWhen(jaeger, creator.traceId, (t) => t.spans.some((s) => s.spanID === runSpanId(runId)) && t.spans.length >= 7);
    const [create] = named(runTrace, "agentruns.v1.RunsService/CreateRun");
    expect([tag(create!, "rpc.system"), parentId(create!)]).toEqual(["connect_rpc", creator.spanId]);
    const run = runTrace.spans.find((s) => s.spanID === runSpanId(runId))!;
    expect([run.operationName, parentId(run)]).toEqual(["run demo", create!.spanID]);
    expect(childrenOf(runTrace, run).map((s) => s.operationName)).toEqual(["node agent", "node tools", "node agent"]);
    for (const [ctx, name] of [[joiner, "JoinRun"], [awaiter, "AwaitRun"]] as const) {
      const trace = await traceWhen(jaeger, ctx.traceId, (t) => named(t, `agentruns.v1.RunsService/${name}`).length === 1);
      const [span] = named(trace, `agentruns.v1.RunsService/${name}`);
      expect(parentId(span!)).toBe(ctx.spanId);
      expect(tag(span!, "run_id")).toBe(runId);
      expect(span!.references.filter((r) => r.refType === "FOLLOWS_FROM").map((r) => [r.traceID, r.spanID])).toEqual([[creator.traceId, runSpanId(runId)]]);
    }
  });

  it("the run span of a run created on A is a child of A's RPC even when B executes it (the trace context travels with the run)", async () => {
    // A queued run starts on whichever replica frees its thread: B's run holds the thread, A enqueues one behind it.
    const connectA = createClient(RunsService, createConnectTransport({ baseUrl: a.url, httpVersion: "1.1" }));
    const connectB = createClient(RunsService, createConnectTransport({ baseUrl: b.url, httpVersion: "1.1" }));
    const first = await connectB.createRun({ run: { assistantId: "demo", input: userInput("hold"), context: { delay_ms: 400 }, onDisconnect: OnDisconnect.CONTINUE } });
    const creator = callerContext();
    const queued = await connectA.createRun(
      { run: { assistantId: "demo", threadId: first.run!.threadId, input: userInput("queued"), multitaskStrategy: MultitaskStrategy.ENQUEUE, onDisconnect: OnDisconnect.CONTINUE } },
      { headers: { traceparent: creator.traceparent } },
    );
    const runId = queued.run!.runId;
    expect((await connectA.awaitRun({ runId })).run?.status).toBe(RunStatus.SUCCESS);
    const trace = await traceWhen(jaeger, creator.traceId, (t) => t.spans.some((s) => s.spanID === runSpanId(runId)));
    const [create] = named(trace, "agentruns.v1.RunsService/CreateRun");
    const run = trace.spans.find((s) => s.spanID === runSpanId(runId))!;
    expect(parentId(run)).toBe(create!.spanID);
    // B started it when B's run freed the thread: another process (service.instance.id) than the creator's.
    expect(trace.processes[run.processID]?.serviceName).toBe(SERVICE);
    expect(run.processID).not.toBe(create!.processID);
  });

  it("the HTTP API (LangGraph Platform's POST /runs/wait) reads the traceparent too: its span is the run span's parent", async () => {
    const caller = callerContext();
    const res = await fetch(`${a.url}/runs/wait`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: caller.traceparent },
      body: JSON.stringify({ assistant_id: "demo", input: userInput("over plain http") }),
    });
    expect(res.status).toBe(200);
    // Content-Location: /threads/<thread_id>/runs/<run_id>
    const runId = /\/runs\/([0-9a-f-]{36})$/.exec(res.headers.get("content-location") ?? "")?.[1];
    expect(runId).toBeDefined();
    await res.text();
    const trace = await traceWhen(jaeger, caller.traceId, (t) => t.spans.some((s) => s.spanID === runSpanId(runId!)) && named(t, "POST /runs/wait").length === 1);
    const [http] = named(trace, "POST /runs/wait");
    expect([parentId(http!), tag(http!, "http.response.status_code")]).toEqual([caller.spanId, 200]);
    expect(parentId(trace.spans.find((s) => s.spanID === runSpanId(runId!))!)).toBe(http!.spanID);
  });

  it("off (no OTEL_EXPORTER_OTLP_ENDPOINT), the SDK is never loaded: only the API, which LangChain loads anyway", async () => {
    const dir = await mkdtemp(join(tmpdir(), "agent-runs-modules-"));
    const preload = fileURLToPath(new URL("./helpers/module-log.mjs", import.meta.url));
    const loaded = async (env: Record<string, string>) => {
      const log = join(dir, `${randomUUID()}.log`);
      const service = await spawnService([], { NODE_OPTIONS: `--import=${preload}`, MODULE_LOG: log, ...env });
      try {
        const client = createClient(RunsService, createConnectTransport({ baseUrl: service.url, httpVersion: "1.1" }));
        expect((await client.waitRun({ run: { assistantId: "demo", input: userInput("a b c") } })).run?.status).toBe(RunStatus.SUCCESS);
      } finally {
        await service.stop();
      }
      const urls = (await readFile(log, "utf8").catch(() => "")).split("\n").filter(Boolean);
      return new Set(urls.map((url) => /\/@opentelemetry\/([^/]+)\//.exec(url)?.[1]));
    };
    try {
      const off = await loaded({ OTEL_EXPORTER_OTLP_ENDPOINT: "" });
      expect([...off]).toEqual(["api"]);
      const on = await loaded({ OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttp, OTEL_SERVICE_NAME: SERVICE });
      expect([...on]).toEqual(expect.arrayContaining(["api", "sdk-trace", "exporter-trace-otlp-proto", "context-async-hooks"]));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
