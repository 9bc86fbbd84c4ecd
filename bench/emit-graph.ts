// A one-node graph that emits `count` custom events (from `context`, default
// 10,000; `interval_ms` > 0 spaces them out, else one synchronous burst), each
// carrying its emit time, so a client on the same machine can
// compute per-event delivery latency = receive time - emit time. Both sides
// use performance.timeOrigin + performance.now() (wall-clock ms with
// sub-millisecond resolution, comparable across processes on one host).
import { Annotation, END, START, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";

export const EmitState = Annotation.Root({
  value: Annotation<string>(),
});

function now(): number {
  return performance.timeOrigin + performance.now();
}

async function emit(state: typeof EmitState.State, config: LangGraphRunnableConfig) {
  const context = ((config as { context?: Record<string, unknown> }).context ?? {}) as Record<string, unknown>;
  const count = Math.max(0, Math.min(1_000_000, Math.trunc(Number(context["count"] ?? 10_000)) || 0));
  const intervalMs = Math.max(0, Number(context["interval_ms"] ?? 0) || 0);
  for (let i = 0; i < count; i++) {
    if (intervalMs > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
    config.writer?.({ i, t: now() });
  }
  // The last event's time, so the client can tell end-of-stream lag.
  return { value: `${state.value ?? ""}:${count}:${now()}` };
}

export const graph = new StateGraph(EmitState)
  .addNode("emit", emit)
  .addEdge(START, "emit")
  .addEdge("emit", END);
