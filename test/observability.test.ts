// What operators and browsers see around the RPCs: health, readiness,
// Prometheus metrics, CORS, request ids in headers and in the JSON logs.
import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pino } from "pino";
import { Code, ConnectError } from "@connectrpc/connect";
import { MultitaskStrategy } from "../gen/agentruns/v1/runs_pb.js";
import { collect, startTestServer, userInput, type TestServer } from "./helpers/server.js";

const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    for (const line of chunk.toString().split("\n")) if (line.trim()) lines.push(JSON.parse(line));
    done();
  },
});

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ corsOrigins: ["https://app.example"] }, { logger: pino({ level: "info" }, sink) });
});
afterAll(() => t.stop());

describe("health", () => {
  it("/healthz is live and /readyz checks the store", async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
  });
});

describe("metrics", () => {
  it("counts RPCs by method and code, latency, events sent, active runs and streams", async () => {
    await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("metrics") } });
    await collect(t.grpc.streamRun({ run: { assistantId: "demo", input: userInput("metrics") } }));
    await t.connectJson.getRun({ runId: "missing" }).catch(() => undefined);
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toMatch(/agentruns_rpc_total\{method="WaitRun",code="ok"\} 1/);
    expect(text).toMatch(/agentruns_rpc_total\{method="StreamRun",code="ok"\} 1/);
    expect(text).toMatch(/agentruns_rpc_total\{method="GetRun",code="not_found"\} 1/);
    expect(text).toMatch(/agentruns_rpc_duration_seconds_bucket\{le="[^"]+",method="WaitRun",code="ok"\}/);
    expect(text).toMatch(/agentruns_events_sent_total [1-9]/);
    expect(text).toMatch(/agentruns_active_runs 0/);
    expect(text).toMatch(/agentruns_open_streams 0/);
    // Webhooks (test/unit/webhook-metrics.test.ts moves them): every outcome from the start, and the outbox's count.
    for (const outcome of ["delivered", "failed_attempt", "given_up"]) expect(text).toContain(`agentruns_webhook_attempts_total{outcome="${outcome}"} 0`);
    expect(text).toContain("agentruns_webhook_delivery_seconds_count 0");
    expect(text).toMatch(/agentruns_webhook_deliveries_pending 0/);
    expect(text).toContain("process_resident_memory_bytes");
  });
});

describe("request ids and logs", () => {
  it("echoes x-request-id and logs it with the method, code and run id", async () => {
    let headers: Headers | undefined;
    const res = await t.connectJson.waitRun(
      { run: { assistantId: "demo", input: userInput("log me") } },
      { headers: { "x-request-id": "req-123" }, onHeader: (h) => (headers = h) },
    );
    expect(headers?.get("x-request-id")).toBe("req-123");
    const line = lines.find((l) => l["request_id"] === "req-123");
    expect(line).toMatchObject({ method: "WaitRun", code: "ok", run_id: res.run!.runId, msg: "rpc" });
    expect(typeof line?.["duration_ms"]).toBe("number");
  });

  it("makes up a request id when none is given, answers it in x-request-id and logs the same one", async () => {
    const error = await t.connectJson.getRun({ runId: "nope" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    // A failed unary call's response headers arrive as the error's metadata.
    const answered = (error as ConnectError).metadata.get("x-request-id") ?? "";
    expect(answered).toMatch(/^[0-9a-f-]{36}$/);
    const line = lines.find((l) => l["request_id"] === answered);
    expect(line).toMatchObject({ method: "GetRun", code: "not_found", run_id: "nope" });
  });

  it("logs the run id on RPCs that name a run but set no x-run-id header", async () => {
    const { run } = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("which run?") } });
    const runId = run!.runId;
    const unknownRun = randomUUID();
    const calls: Array<[string, (headers: Record<string, string>) => Promise<unknown>]> = [
      ["GetRun", (headers) => t.connectJson.getRun({ runId }, { headers })],
      ["ListRunMessages", (headers) => t.connectJson.listRunMessages({ runId }, { headers })],
      ["ListRunFeedback", (headers) => t.connectJson.listRunFeedback({ runId }, { headers })],
      ["CreateRunFeedback", (headers) => t.connectJson.createRunFeedback({ runId, rating: 1 }, { headers })],
      ["DeleteRunFeedback", (headers) => t.connectJson.deleteRunFeedback({ runId, feedbackId: "missing" }, { headers }).catch(() => undefined)],
      ["JoinRun", (headers) => collect(t.grpc.joinRun({ runId: unknownRun }, { headers })).catch(() => undefined)],
    ];
    for (const [method, call] of calls) await call({ "x-request-id": `run-id-${method}` });
    for (const [method] of calls) {
      const line = lines.find((l) => l["request_id"] === `run-id-${method}`);
      expect(line, method).toMatchObject({ method, run_id: method === "JoinRun" ? unknownRun : runId });
    }
  });
});

describe("failed runs in the logs", () => {
  it("a WaitRun that fails after creating its run logs that run's id", async () => {
    const threadId = randomUUID();
    const first = t.connectJson
      .waitRun({ run: { assistantId: "demo", threadId, input: userInput("slow"), context: { delay_ms: 30_000 } } }, { headers: { "x-request-id": "rolled-back" } })
      .catch((e: unknown) => ConnectError.from(e));
    await expect.poll(() => t.server.app.stores.runs.listByThread(threadId, ["running"]).then((r) => r.length)).toBe(1);
    const [running] = await t.server.app.stores.runs.listByThread(threadId, ["running"]);
    await t.connectJson.waitRun({ run: { assistantId: "demo", threadId, input: userInput("newer"), multitaskStrategy: MultitaskStrategy.ROLLBACK } });
    expect(((await first) as ConnectError).code).toBe(Code.Aborted);
    const line = lines.find((l) => l["request_id"] === "rolled-back");
    expect(line).toMatchObject({ method: "WaitRun", code: "aborted", run_id: running!.runId });
  });
});

describe("client cancellations", () => {
  it("count an abandoned WaitRun and a reset StreamRun as canceled, never as unexpected errors", async () => {
    const slow = { assistantId: "demo", input: userInput("leaving"), context: { delay_ms: 30_000 } };
    const waitAbort = new AbortController();
    const waiting = t.connectJson.waitRun({ run: slow }, { signal: waitAbort.signal, headers: { "x-request-id": "gone-wait" } }).catch(() => undefined);
    const streamAbort = new AbortController();
    const stream = t.grpc.streamRun({ run: slow }, { signal: streamAbort.signal, headers: { "x-request-id": "gone-stream" } })[Symbol.asyncIterator]();
    await stream.next();
    await expect.poll(() => t.server.app.application.activeRunCount()).toBe(2);
    waitAbort.abort();
    streamAbort.abort();
    await waiting;
    await stream.next().catch(() => undefined);
    const metrics = async () => (await fetch(`${t.url}/metrics`)).text();
    const rpcTotals = async () => (await metrics()).split("\n").filter((l) => /^agentruns_rpc_total\{method="(WaitRun|StreamRun)",code="(canceled|internal)"\}/.test(l)).sort();
    await expect.poll(rpcTotals).toEqual(['agentruns_rpc_total{method="StreamRun",code="canceled"} 1', 'agentruns_rpc_total{method="WaitRun",code="canceled"} 1']);
    // One line each, the access line, at info; no "unexpected error" (with its stack, at error) for either.
    for (const id of ["gone-wait", "gone-stream"]) expect(lines.filter((l) => l["request_id"] === id).map((l) => [l["msg"], l["code"], l["level"]])).toEqual([["rpc", "canceled", 30]]);
    expect(lines.filter((l) => l["msg"] === "unexpected error")).toEqual([]);
  });
});

describe("CORS", () => {
  it("answers a preflight from an allowed origin with Connect's headers", async () => {
    const res = await fetch(`${t.url}/agentruns.v1.RunsService/WaitRun`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type,connect-protocol-version" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe("https://app.example");
    expect(res.headers.get("access-control-allow-headers")).toMatch(/connect-protocol-version/i);
    expect(res.headers.get("access-control-allow-methods")).toMatch(/POST/);
  });

  it("exposes the run and gRPC-Web headers to an allowed origin, nothing to others", async () => {
    const allowed = await fetch(`${t.url}/healthz`, { headers: { origin: "https://app.example" } });
    const exposed = allowed.headers.get("access-control-expose-headers") ?? "";
    for (const h of ["x-run-id", "x-thread-id", "grpc-status", "grpc-message"]) expect(exposed.toLowerCase()).toContain(h);
    const other = await fetch(`${t.url}/healthz`, { headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });
});
