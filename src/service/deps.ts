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

export function setRunHeaders(ctx: HandlerContext, run: RunRecord): void {
  ctx.values.set(runIdKey, run.runId);
  ctx.responseHeader.set("x-run-id", run.runId);
  ctx.responseHeader.set("x-thread-id", run.threadId);
}
