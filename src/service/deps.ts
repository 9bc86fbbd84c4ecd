// What the RPC handlers need, injected by closure (see routes.ts).
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import type { GraphRegistry } from "../runtime/graphs.js";
import type { RunRuntime } from "../runtime/runtime.js";
import type { RunRecord, Stores } from "../stores/types.js";
import type { Caller } from "../auth/caller.js";
import { runNotFound } from "./errors.js";
import { requireId } from "./validate.js";

export interface ServiceDeps {
  stores: Stores;
  graphs: GraphRegistry;
  runtime: RunRuntime;
  /** Idle time after which a stream gets a heartbeat. */
  heartbeatMs: number;
  /** Counts streams open on this replica (metrics, drain). */
  streams: { open: number };
  /** Counts events sent to stream clients (metrics). */
  eventsSent?: { inc(): void };
}

/** The caller's run, or NOT_FOUND: another user's run is indistinguishable from none. */
export async function loadRun(deps: ServiceDeps, field: string, runId: string, caller: Caller): Promise<RunRecord> {
  requireId(field, runId);
  const run = await deps.stores.runs.get(runId);
  if (!run || run.userId !== caller.userId) throw runNotFound(runId);
  return run;
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
