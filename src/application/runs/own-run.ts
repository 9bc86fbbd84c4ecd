// How a use case finds the caller's run: by id (the RPCs), or by id on the
// thread the client named (the HTTP APIs' /threads/{thread_id}/runs/{run_id}).
// Either way in one read, and a run of another user or on another thread is
// NOT_FOUND exactly like a missing one.
import { RunNotFoundError } from "../../domain/errors.js";
import type { RunRecord } from "../../domain/records.js";
import type { RunsContext } from "./context.js";

export type RunRef = string | { runId: string; threadId: string };

export const runIdOf = (ref: RunRef): string => (typeof ref === "string" ? ref : ref.runId);

/** The caller's run, or RunNotFoundError; the store checks the owner before it reads the run, so another user's costs what a missing one does. */
export async function ownRun(ctx: RunsContext, ref: RunRef, userId: string): Promise<RunRecord> {
  const runId = runIdOf(ref);
  const run = await ctx.stores.runs.getOwned(runId, userId);
  if (!run || (typeof ref !== "string" && run.threadId !== ref.threadId)) throw new RunNotFoundError(runId);
  return run;
}
