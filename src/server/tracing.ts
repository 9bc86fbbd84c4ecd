// One span per RPC, in the trace the caller's W3C traceparent names: gRPC
// metadata, gRPC-Web and Connect headers are all request headers here. The
// span is active while the handler runs, so a run it creates keeps it as the
// run span's parent, and log lines carry its trace id. The HTTP APIs get the
// same per request (tracedHttpApi). Installed only when tracing is on
// (app.ts): off, neither is in the request path at all.
import type { IncomingMessage, ServerResponse } from "node:http";
import { ConnectError, Code, type Interceptor, type StreamResponse, type UnaryResponse } from "@connectrpc/connect";
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Span, type TextMapGetter } from "@opentelemetry/api";
import { bounded as cut, parseTraceParent, runAttributes, runSpanId } from "../domain/trace-context.js";
import { runTraceKey } from "../service/deps.js";

const TRACER_NAME = "agent-runs";

const headerGetter: TextMapGetter<Headers> = {
  get: (headers, key) => headers.get(key) ?? undefined,
  keys: (headers) => [...headers.keys()],
};

/** Server faults, per OpenTelemetry's RPC conventions; a client's mistake (NOT_FOUND, INVALID_ARGUMENT...) leaves the span unset. */
const SERVER_FAULTS = new Set([Code.Unknown, Code.DeadlineExceeded, Code.Unimplemented, Code.Internal, Code.Unavailable, Code.DataLoss]);

function rpcSystem(contentType: string | null): string {
  if (contentType?.startsWith("application/grpc-web")) return "grpc_web";
  return contentType?.startsWith("application/grpc") ? "grpc" : "connect_rpc";
}

type RunOfCall = NonNullable<ReturnType<typeof readRun>>;
const readRun = (values: { get: (key: typeof runTraceKey) => unknown }) => values.get(runTraceKey) as { runId: string; threadId: string; assistantId: string; traceParent?: string } | null;

/** Links the RPC's span to the span of the run it concerns, unless it created the run (then the run span is its child). */
function linkRun(span: Span, run: RunOfCall): void {
  span.setAttributes(runAttributes(run));
  const creator = parseTraceParent(run.traceParent);
  if (!creator || creator.spanId === span.spanContext().spanId) return;
  const runSpan = { traceId: creator.traceId, spanId: runSpanId(run.runId), traceFlags: creator.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true };
  span.addLink({ context: runSpan, attributes: { "link.kind": "run" } });
}

function end(span: Span, values: Parameters<typeof readRun>[0], error?: unknown): void {
  const run = readRun(values);
  if (run) linkRun(span, run);
  const code: Code | 0 = error === undefined ? 0 : error instanceof ConnectError ? error.code : Code.Unknown;
  span.setAttribute("rpc.grpc.status_code", code);
  if (code !== 0 && SERVER_FAULTS.has(code)) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: cut(error instanceof ConnectError ? error.rawMessage : String(error)) });
  }
  span.end();
}

/** The handler's responses, each pulled inside the RPC's context (a streaming handler runs as it is pulled). */
async function* within<T>(ctx: Context, source: AsyncIterable<T>, finish: (error?: unknown) => void): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  let failure: unknown;
  try {
    for (;;) {
      const next = await context.with(ctx, () => iterator.next());
      if (next.done) return;
      yield next.value;
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    // Left early (the client went away): let the handler's generator clean up, in the RPC's context.
    await context.with(ctx, async () => void (await iterator.return?.())).catch(() => undefined);
    finish(failure);
  }
}

export function tracingInterceptor(): Interceptor {
  const tracer = trace.getTracer(TRACER_NAME);
  return (next) => async (req) => {
    const parent = propagation.extract(ROOT_CONTEXT, req.header, headerGetter);
    const service = req.service.typeName;
    const method = req.method.name;
    const attributes = { "rpc.system": rpcSystem(req.header.get("content-type")), "rpc.service": service, "rpc.method": method };
    const span = tracer.startSpan(`${service}/${method}`, { kind: SpanKind.SERVER, attributes }, parent);
    const ctx = trace.setSpan(parent, span);
    let res: UnaryResponse | StreamResponse;
    try {
      res = await context.with(ctx, () => next(req));
    } catch (error) {
      end(span, req.contextValues, error);
      throw error;
    }
    if (!res.stream) {
      end(span, req.contextValues);
      return res;
    }
    return { ...res, message: within(ctx, res.message, (error) => end(span, req.contextValues, error)) };
  };
}

/** A path's shape for a span name: ids (UUIDs, long numbers) become {id}, so names stay few. */
function routeShape(path: string): string {
  return cut(path.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, "{id}").replace(/\/\d{4,}(?=\/|$)/g, "/{id}"));
}

type NodeHandler = (req: IncomingMessage, res: ServerResponse) => unknown;

/**
 * The HTTP APIs (LangGraph Platform, DeerFlow; src/http/) traced like the
 * RPCs: one SERVER span per request in the caller's traceparent, active while
 * the route runs (a run it creates is its child), ended when the response
 * closes (a wait or an event stream included).
 */
export function tracedHttpApi<T extends { handler: NodeHandler }>(api: T): T {
  const tracer = trace.getTracer(TRACER_NAME);
  const handler: NodeHandler = (req, res) => {
    // Node's header object is a plain one: OpenTelemetry's default getter reads it.
    const parent = propagation.extract(ROOT_CONTEXT, req.headers);
    const path = (req.url ?? "").split("?")[0] ?? "";
    const attributes = { "http.request.method": req.method ?? "GET", "url.path": cut(path) };
    const span = tracer.startSpan(`${req.method ?? "GET"} ${routeShape(path)}`, { kind: SpanKind.SERVER, attributes }, parent);
    res.once("close", () => {
      span.setAttribute("http.response.status_code", res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    return context.with(trace.setSpan(parent, span), () => api.handler(req, res));
  };
  return { ...api, handler };
}
