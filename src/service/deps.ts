// What the RPC handlers need, injected by closure (see routes.ts): the
// application's use cases and the adapter's own counters. No store, no runtime.
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { Application } from "../application/index.js";
import type { RunRecord } from "../domain/records.js";

export interface ServiceDeps {
  app: Application;
  /** Counts streams open on this replica (metrics, drain). */
  streams: { open: number };
  /** Counts events sent to stream clients (metrics). */
  eventsSent?: { inc(): void };
}

/**
 * The run an RPC created or acted on, for its log line: unlike the response
 * header, it is still there when the call fails after creating the run.
 */
export const runIdKey = createContextKey<string | null>(null, { description: "the run this RPC concerns" });

/**
 * The run this RPC concerns, for its span: the tracing interceptor links the
 * RPC's span to the run's (JoinRun, AwaitRun, GetRun... on any replica).
 */
export const runTraceKey = createContextKey<Pick<RunRecord, "runId" | "threadId" | "assistantId" | "traceParent"> | null>(null, { description: "the run this RPC concerns, for tracing" });

export function setRunHeaders(ctx: HandlerContext, run: RunRecord): void {
  ctx.values.set(runIdKey, run.runId);
  ctx.values.set(runTraceKey, run);
  ctx.responseHeader.set("x-run-id", run.runId);
  ctx.responseHeader.set("x-thread-id", run.threadId);
}
