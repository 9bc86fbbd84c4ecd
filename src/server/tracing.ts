// One span per RPC, in the trace the caller's W3C traceparent names: gRPC
// metadata, gRPC-Web and Connect headers are all request headers here. The
// span is active while the handler runs, so a run it creates keeps it as the
// run span's parent, and log lines carry its trace id. Installed only when
// tracing is on (app.ts): off, no interceptor is in the chain at all.
import { ConnectError, Code, type Interceptor, type StreamResponse, type UnaryResponse } from "@connectrpc/connect";
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Span, type TextMapGetter } from "@opentelemetry/api";
import { parseTraceParent, runSpanId } from "../domain/trace-context.js";
import { runTraceKey } from "../service/deps.js";

const TRACER_NAME = "agent-runs";
const MAX_ATTRIBUTE = 128;
const cut = (value: string) => (value.length > MAX_ATTRIBUTE ? value.slice(0, MAX_ATTRIBUTE) : value);

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
  span.setAttributes({ run_id: cut(run.runId), thread_id: cut(run.threadId), assistant_id: cut(run.assistantId) });
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
