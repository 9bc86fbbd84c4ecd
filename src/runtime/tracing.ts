// Run spans and the trace context a run keeps. Tracing is off until
// startTelemetry() (telemetry.ts, loaded only when OTEL_EXPORTER_OTLP_ENDPOINT
// is set) hands over its tracer: until then every hook here is one null check
// and the SDK is never imported.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from "@opentelemetry/api";
import type { RunError, RunRecord, RunStatus } from "../domain/records.js";
import { bounded, runAttributes, runSpanId } from "../domain/trace-context.js";
import { GraphSpans } from "./trace-callbacks.js";

export const TRACER_NAME = "agent-runs";

let tracer: Tracer | null = null;
/** The span id the next span started gets (the run span's derived id), read by the SDK's id generator. */
let pendingSpanId: string | null = null;

/** Whether the environment asks for traces: the SDK's own variables decide (OTLP endpoint set, SDK not disabled). */
export function tracingRequested(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env["OTEL_EXPORTER_OTLP_ENDPOINT"] || env["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]) && env["OTEL_SDK_DISABLED"] !== "true";
}

export function useTracer(active: Tracer | null): void {
  tracer = active;
}

export function tracingOn(): boolean {
  return tracer !== null;
}

/** The id generator's hook: the derived run span id while a run span starts, else null (random). */
export function takePendingSpanId(): string | null {
  const id = pendingSpanId;
  pendingSpanId = null;
  return id;
}

/** The traceparent of the active span (the RPC creating a run), to keep with the run; undefined while tracing is off. */
export function activeTraceParent(): string | undefined {
  if (!tracer || !trace.getActiveSpan()) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier["traceparent"];
}

/** The context a run's span starts in: its creating RPC's span (from any replica), else none (a root span). */
function creatorContext(run: RunRecord): Context {
  return run.traceParent ? propagation.extract(ROOT_CONTEXT, { traceparent: run.traceParent }) : ROOT_CONTEXT;
}

export interface RunSpanOutcome {
  status: RunStatus;
  error: RunError | null;
}

/**
 * Executes a run inside its span (`run <assistant>`), handing the graph call
 * the callbacks that add node, LLM and tool spans under it. Off: calls the
 * body with no callbacks and nothing else.
 */
export async function inRunSpan<T extends RunSpanOutcome>(run: RunRecord, body: (callbacks: unknown[] | undefined) => Promise<T>): Promise<T> {
  if (!tracer) return body(undefined);
  const parent = creatorContext(run);
  let span: Span;
  const attributes = runAttributes(run);
  pendingSpanId = runSpanId(run.runId, run.handover?.count ?? 0);
  try {
    span = tracer.startSpan(`run ${bounded(run.assistantId)}`, { kind: SpanKind.INTERNAL, attributes }, parent);
  } finally {
    pendingSpanId = null;
  }
  const graphSpans = new GraphSpans(tracer, span, attributes);
  try {
    const outcome = await context.with(trace.setSpan(parent, span), () => body([graphSpans]));
    span.setAttribute("run_status", outcome.status);
    if (outcome.error) span.setStatus({ code: SpanStatusCode.ERROR, message: bounded(`${outcome.error.name}: ${outcome.error.message}`, 512) });
    return outcome;
  } catch (error) {
    span.setStatus({ code: SpanStatusCode.ERROR, message: bounded(String((error as Error)?.message ?? error), 512) });
    throw error;
  } finally {
    graphSpans.endOpen();
    span.end();
  }
}

/** pino's mixin while tracing is on: every log line written inside a span carries its trace id. */
export function traceLogFields(): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
