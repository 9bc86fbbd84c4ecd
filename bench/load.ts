// The load generator: a separate process (forked by run.ts with an IPC
// channel) so that the server under test has its CPU to itself, as far as two
// cores allow. It runs one Task at a time and answers with a TaskResult.
import { randomUUID } from "node:crypto";
import http from "node:http";
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { Struct } from "@bufbuild/protobuf/wkt";
import { MemorySaver } from "@langchain/langgraph";
import { OnDisconnect, RunCreateSchema, RunsService, RunStatus, StreamMode } from "../gen/agentruns/v1/runs_pb.js";
import { graph as echoGraph } from "./echo-graph.js";
import { graph as emitGraph } from "./emit-graph.js";
import { streamGraph, type StreamableGraph } from "../src/runtime/graph-stream.js";
import {
  quantileCurve,
  summarize,
  threadCpuMs,
  wallNow,
  type IdleOpenResult,
  type LoopResult,
  type LoopShape,
  type Protocol,
  type SeedResult,
  type StreamEventsResult,
  type StreamTimingResult,
  type Task,
  type TaskResult,
} from "./lib.js";

type RunsClient = Client<typeof RunsService>;

/** One client = one connection: an HTTP/2 session for gRPC, one keep-alive socket for HTTP/1.1. */
function transport(url: string, protocol: Protocol, sessionManager?: Http2SessionManager): Transport {
  if (protocol === "grpc") return createGrpcTransport({ baseUrl: url, sessionManager });
  return createConnectTransport({
    baseUrl: url,
    httpVersion: "1.1",
    useBinaryFormat: protocol === "connect-binary",
    nodeOptions: { agent: new http.Agent({ keepAlive: true, maxSockets: 1 }) },
  });
}

function client(url: string, protocol: Protocol): RunsClient {
  return createClient(RunsService, transport(url, protocol));
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Closed loop: each of `concurrency` clients sends its next request as soon as the last one ended. */
async function closedLoop(shape: LoopShape, makeOp: (index: number) => () => Promise<void>): Promise<LoopResult> {
  const ops = Array.from({ length: shape.concurrency }, (_, i) => makeOp(i));
  let errors = 0;
  let firstError: string | null = null;
  const fail = async (error: unknown) => {
    errors++;
    firstError ??= message(error);
    await new Promise((r) => setTimeout(r, 5)); // no hot loop against a failing server
  };
  // Warm-up: same load, nothing recorded.
  const warmEnd = performance.now() + shape.warmupMs;
  await Promise.all(
    ops.map(async (op) => {
      while (performance.now() < warmEnd) {
        try {
          await op();
        } catch (error) {
          await fail(error);
        }
      }
    }),
  );
  errors = 0;
  firstError = null;
  const latencies: number[] = [];
  const start = performance.now();
  const startUs = monotonicUs();
  const mainCpu0 = threadCpuMs(process.pid);
  const cpu0 = process.cpuUsage();
  const end = shape.count ? Infinity : start + shape.durationMs;
  let issued = 0;
  let lastDone = start;
  await Promise.all(
    ops.map(async (op) => {
      for (;;) {
        if (shape.count) {
          if (issued >= shape.count) return;
          issued++;
        }
        const s = performance.now();
        if (s >= end) return;
        try {
          await op();
        } catch (error) {
          await fail(error);
          continue;
        }
        const e = performance.now();
        if (e > end) return;
        latencies.push(e - s);
        lastDone = e;
      }
    }),
  );
  const elapsedMs = shape.count ? lastDone - start : shape.durationMs;
  const cpu = process.cpuUsage(cpu0);
  const endUs = monotonicUs();
  const mainCpu1 = threadCpuMs(process.pid);
  return {
    kind: "loop",
    completed: latencies.length,
    errors,
    firstError,
    elapsedMs,
    throughput: (latencies.length / elapsedMs) * 1000,
    latency: summarize(latencies),
    clientCpu: (cpu.user + cpu.system) / 1000 / elapsedMs,
    windowUs: [startUs, endUs],
    mainThreadCpuMs: mainCpu0 !== null && mainCpu1 !== null ? mainCpu1 - mainCpu0 : null,
  };
}

function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function httpPost(agent: http.Agent, url: string, body: string, onFirstChunk?: (chunk: Buffer) => void): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => {
        if (chunks.length === 0) onFirstChunk?.(chunk);
        chunks.push(chunk);
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

function waitTask(task: Extract<Task, { kind: "wait" }>): Promise<LoopResult> {
  return closedLoop(task, () => {
    const c = client(task.url, task.protocol);
    return async () => {
      const res = await c.waitRun({ run: { assistantId: task.assistantId, input: { value: "hi" } } });
      if (res.run?.status !== RunStatus.SUCCESS) throw new Error(`run ended ${RunStatus[res.run?.status ?? 0]}: ${res.error?.message ?? ""}`);
    };
  });
}

function httpWaitTask(task: Extract<Task, { kind: "http-wait" }>): Promise<LoopResult> {
  const body = JSON.stringify({ assistant_id: task.assistantId, input: { value: "hi" } });
  return closedLoop(task, () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    return async () => {
      const res = await httpPost(agent, `${task.url}/runs/wait`, body);
      if (res.status !== 200) throw new Error(`POST /runs/wait: HTTP ${res.status} ${res.body.slice(0, 200)}`);
      if (!res.body.includes('"hi"')) throw new Error(`POST /runs/wait: unexpected body ${res.body.slice(0, 200)}`);
    };
  });
}

function echoUnaryTask(task: Extract<Task, { kind: "echo-unary" }>): Promise<LoopResult> {
  return closedLoop(task, () => {
    const c = client(task.url, task.protocol);
    return async () => {
      const res = await c.getRun({ runId: "echo" });
      if (!res.run) throw new Error("no run");
    };
  });
}

function invokeTask(task: Extract<Task, { kind: "invoke" }>): Promise<LoopResult> {
  const compiled = echoGraph.compile({ checkpointer: new MemorySaver() });
  return closedLoop(task, () => async () => {
    const out = await compiled.invoke({ value: "hi" }, { configurable: { thread_id: randomUUID() } });
    if (out.value !== "hi") throw new Error("bad output");
  });
}

/**
 * `warmup + reps` streams one after another, timed from the request: to the
 * first event (the stream calls `first`) and to its end. A failed stream counts
 * as an error, not a time.
 */
async function timeStreams(warmup: number, reps: number, stream: (first: () => void) => Promise<void>): Promise<StreamTimingResult> {
  const ttfe: number[] = [];
  const tte: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  for (let i = 0; i < warmup + reps; i++) {
    const s = performance.now();
    let first = NaN;
    try {
      await stream(() => {
        if (Number.isNaN(first)) first = performance.now();
      });
      const e = performance.now();
      if (i >= warmup) {
        ttfe.push(first - s);
        tte.push(e - s);
      }
    } catch (error) {
      errors++;
      firstError ??= message(error);
    }
  }
  return { kind: "stream-timing", ttfe: summarize(ttfe), tte: summarize(tte), errors, firstError };
}

function httpStreamTask(task: Extract<Task, { kind: "http-stream" }>): Promise<StreamTimingResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const body = JSON.stringify({ assistant_id: task.assistantId, input: { value: "hi" }, stream_mode: ["values"] });
  return timeStreams(task.warmup, task.reps, async (first) => {
    const res = await httpPost(agent, `${task.url}/runs/stream`, body, first);
    if (res.status !== 200 || !res.body.includes("event: metadata")) throw new Error(`HTTP ${res.status} ${res.body.slice(0, 200)}`);
  });
}

function streamTtfeTask(task: Extract<Task, { kind: "stream-ttfe" }>): Promise<StreamTimingResult> {
  const c = client(task.url, task.protocol);
  return timeStreams(task.warmup, task.reps, async (first) => {
    let ended = false;
    for await (const res of c.streamRun({ run: { assistantId: task.assistantId, input: { value: "hi" }, streamMode: [StreamMode.VALUES] } })) {
      first();
      if (res.payload.case === "event" && res.payload.value.kind.case === "end") ended = true;
    }
    if (!ended) throw new Error("stream closed without an end event");
  });
}

/**
 * The ceiling for StreamRun's per-event latency and end lag: the emit graph run
 * in this process with the runtime's own reader (streamGraph, same stream modes,
 * a MemorySaver), each chunk stamped when it reaches the callback and the end
 * when the graph's stream is done. Everything past that is the service's.
 */
async function graphEventsTask(task: Extract<Task, { kind: "stream-events" }>): Promise<StreamEventsResult> {
  const compiled = emitGraph.compile({ checkpointer: new MemorySaver() }) as unknown as StreamableGraph;
  const recv = new Float64Array(task.count);
  const emitted = new Float64Array(task.count);
  let received = 0;
  let lastRecv = NaN;
  const s = performance.now();
  const sWall = wallNow();
  let first = NaN;
  const options = { configurable: { thread_id: randomUUID() }, streamMode: ["custom", "updates"], context: { count: task.count, interval_ms: task.intervalMs } };
  await streamGraph(compiled, { value: "x" }, options, (chunk) => {
    const t = wallNow();
    if (Number.isNaN(first)) first = t;
    const [mode, data] = chunk as [string, { t?: unknown }];
    if (mode !== "custom" || typeof data?.t !== "number" || received >= task.count) return;
    recv[received] = t;
    emitted[received] = data.t;
    received++;
    lastRecv = t;
  });
  const endAt = wallNow();
  return eventsResult(task, { recv, emitted, received, first, sWall, s, endAt, closedAt: endAt, lastRecv });
}

async function streamEventsTask(task: Extract<Task, { kind: "stream-events" }>): Promise<StreamEventsResult> {
  if (task.target === "graph") return graphEventsTask(task);
  const c = client(task.url, task.protocol);
  const recv = new Float64Array(task.count);
  const emitted = new Float64Array(task.count);
  let received = 0;
  let endAt = NaN;
  let lastRecv = NaN;
  const s = performance.now();
  const sWall = wallNow();
  let first = NaN;
  const assistantId = task.target === "agent-runs" ? "emit" : "echo";
  for await (const res of c.streamRun({
    run: {
      assistantId,
      input: { value: "x" },
      context: { count: task.count, interval_ms: task.intervalMs },
      streamMode: [StreamMode.CUSTOM],
    },
  })) {
    const t = wallNow();
    if (Number.isNaN(first)) first = t;
    if (res.payload.case !== "event") continue;
    const kind = res.payload.value.kind;
    if (kind.case === "part") {
      const data = kind.value.data?.kind;
      if (data?.case !== "structValue") continue;
      const fields = (data.value as Struct).fields;
      const emit = fields["t"]?.kind.value;
      if (typeof emit !== "number" || received >= task.count) continue;
      recv[received] = t;
      emitted[received] = emit;
      received++;
      lastRecv = t;
    } else if (kind.case === "end") {
      endAt = t;
    }
  }
  const closedAt = wallNow();
  return eventsResult(task, { recv, emitted, received, first, sWall, s, endAt, closedAt, lastRecv });
}

function eventsResult(
  task: Extract<Task, { kind: "stream-events" }>,
  m: { recv: Float64Array; emitted: Float64Array; received: number; first: number; sWall: number; s: number; endAt: number; closedAt: number; lastRecv: number },
): StreamEventsResult {
  const { recv, emitted, received, first, sWall, s, endAt, closedAt, lastRecv } = m;
  const latencies = new Float64Array(received);
  let lastEmit = -Infinity;
  let firstEmit = Infinity;
  for (let i = 0; i < received; i++) {
    latencies[i] = recv[i]! - emitted[i]!;
    if (emitted[i]! > lastEmit) lastEmit = emitted[i]!;
    if (emitted[i]! < firstEmit) firstEmit = emitted[i]!;
  }
  const tte = performance.now() - s;
  return {
    kind: "stream-events",
    count: task.count,
    received,
    ttfeMs: first - sWall,
    tteMs: tte,
    endLagMs: endAt - lastEmit,
    closeLagMs: closedAt - lastEmit,
    emitSpanMs: lastEmit - firstEmit,
    eventsPerSec: (received / (lastRecv - sWall)) * 1000,
    latency: summarize(latencies),
    curve: quantileCurve(latencies),
  };
}

// Idle streams stay open across tasks until "idle-close".
const idle: { sessions: Http2SessionManager[]; aborts: AbortController[]; done: Promise<void>[] } = { sessions: [], aborts: [], done: [] };

async function idleOpenTask(task: Extract<Task, { kind: "idle-open" }>): Promise<IdleOpenResult> {
  const start = performance.now();
  let opened = 0;
  let failed = 0;
  let firstError: string | null = null;
  let clients: RunsClient[] = [];
  const clientFor = (index: number): RunsClient => {
    const slot = Math.floor(index / task.perConnection);
    while (clients.length <= slot) {
      const sessionManager = new Http2SessionManager(task.url);
      idle.sessions.push(sessionManager);
      clients.push(createClient(RunsService, createGrpcTransport({ baseUrl: task.url, sessionManager })));
    }
    return clients[slot]!;
  };
  let next = 0;
  const openOne = (c: RunsClient): Promise<void> =>
    new Promise((resolve) => {
      const abort = new AbortController();
      idle.aborts.push(abort);
      let settled = false;
      const settle = () => {
        if (!settled) {
          settled = true;
          resolve();
        }
      };
      const run: MessageInitShape<typeof RunCreateSchema> =
        task.target === "agent-runs"
          ? {
              assistantId: "demo",
              input: { messages: [{ role: "user", content: "stay idle" }] },
              context: { delay_ms: 600_000 },
              onDisconnect: OnDisconnect.CONTINUE,
            }
          : { assistantId: "echo", context: { count: 1, interval_ms: 600_000 } };
      const stream = c.streamRun({ run }, { signal: abort.signal });
      idle.done.push(
        (async () => {
          try {
            for await (const res of stream) {
              if (res.payload.case === "event" && !settled) {
                opened++;
                settle();
              }
            }
          } catch (error) {
            if (!settled) {
              failed++;
              firstError ??= message(error);
            }
          } finally {
            settle();
          }
        })(),
      );
    });
  // Several sessions are filled at once, each by its own opener.
  const base = idle.aborts.length;
  await Promise.all(
    Array.from({ length: task.parallel }, async () => {
      for (;;) {
        const i = next++;
        if (i >= task.count) return;
        await openOne(clientFor(i));
      }
    }),
  );
  clients = [];
  void base;
  return { kind: "idle-open", opened, failed, firstError, elapsedMs: performance.now() - start };
}

async function idleCloseTask(): Promise<TaskResult> {
  for (const a of idle.aborts) a.abort();
  await Promise.race([Promise.allSettled(idle.done), new Promise((r) => setTimeout(r, 5000))]);
  for (const s of idle.sessions) s.abort();
  idle.sessions = [];
  idle.aborts = [];
  idle.done = [];
  return { kind: "ok" };
}

async function seedMessagesTask(task: Extract<Task, { kind: "seed-messages" }>): Promise<SeedResult> {
  const c = client(task.url, "grpc");
  const messages = Array.from({ length: task.count }, (_, i) => ({ role: "user", content: `message ${i + 1}` }));
  const s = performance.now();
  const res = await c.waitRun({ run: { assistantId: "echo", threadId: task.threadId ?? "", input: { value: "seed", messages } } }, { timeoutMs: 170_000 });
  const elapsedMs = performance.now() - s;
  if (res.run?.status !== RunStatus.SUCCESS) throw new Error(`seed run ended ${RunStatus[res.run?.status ?? 0]}: ${res.error?.message ?? ""}`);
  // The input messages are stored in one append, so they hold consecutive seqs ending at the last one
  // (the echo graph adds no messages of its own).
  const last = await c.listRunMessages({ runId: res.run.runId, limit: 1 });
  const lastSeq = Number(last.messages[0]?.seq ?? 0n);
  return {
    kind: "seed",
    runId: res.run.runId,
    threadId: res.run.threadId,
    count: task.count,
    elapsedMs,
    firstSeq: lastSeq - task.count + 1,
    lastSeq,
  };
}

async function listMessagesTask(task: Extract<Task, { kind: "list-messages" }>): Promise<StreamTimingResult> {
  const c = client(task.url, "grpc");
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const start = performance.now();
  for (let i = 0; i < task.reps + 5; i++) {
    if (latencies.length >= 10 && performance.now() - start > task.maxMs) break;
    const s = performance.now();
    try {
      const res = await c.listRunMessages({ runId: task.runId, limit: 50, afterSeq: task.afterSeq === undefined ? undefined : BigInt(task.afterSeq) });
      if (res.messages.length !== 50) throw new Error(`expected 50 messages, got ${res.messages.length}`);
      if (i >= 5) latencies.push(performance.now() - s);
    } catch (error) {
      errors++;
      firstError ??= message(error);
    }
  }
  const summary = summarize(latencies);
  return { kind: "stream-timing", ttfe: summary, tte: summary, errors, firstError };
}

async function runTask(task: Task): Promise<TaskResult> {
  switch (task.kind) {
    case "wait":
      return waitTask(task);
    case "http-wait":
      return httpWaitTask(task);
    case "echo-unary":
      return echoUnaryTask(task);
    case "invoke":
      return invokeTask(task);
    case "http-stream":
      return httpStreamTask(task);
    case "stream-ttfe":
      return streamTtfeTask(task);
    case "stream-events":
      return streamEventsTask(task);
    case "idle-open":
      return idleOpenTask(task);
    case "idle-close":
      return idleCloseTask();
    case "seed-messages":
      return seedMessagesTask(task);
    case "list-messages":
      return listMessagesTask(task);
  }
}

if (!process.send) {
  process.stderr.write("bench/load.ts is a worker: run.ts forks it with an IPC channel\n");
  process.exit(2);
}
let queue: Promise<void> = Promise.resolve();
process.on("message", (task: Task) => {
  queue = queue.then(async () => {
    try {
      const result = await runTask(task);
      process.send!({ ok: true, result });
    } catch (error) {
      process.send!({ ok: false, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    }
  });
});
process.on("disconnect", () => process.exit(0));
process.send({ ok: true, ready: true });
