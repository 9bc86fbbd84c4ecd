// What the adapters may do with runs, on behalf of a user: every read is
// scoped to the caller (another user's run is indistinguishable from none),
// and a stream or wait whose client goes away cancels its run when the run
// asked for that.
import { RunNotActiveError, RunRolledBackError } from "../../domain/errors.js";
import type { MessagePage, MessagePageQuery } from "../../domain/events.js";
import type { CancelActionName, JsonObject, RunRecord } from "../../domain/records.js";
import type { RunsContext } from "./context.js";
import type { RunsCore } from "./core.js";
import type { RunSpec } from "./create-run.js";
import { Joiners } from "./joiners.js";
import { ownRun, type RunRef } from "./own-run.js";
import { runResources } from "./run-resources.js";
import type { TailItem } from "./tail.js";

export interface StartedStream {
  run: RunRecord;
  events: AsyncGenerator<TailItem>;
}

export interface WaitOutcome {
  run: RunRecord;
  values: JsonObject;
}

export type RunUseCases = ReturnType<typeof runUseCases>;

/** on_disconnect=cancel: the client is gone, so is the run (best effort: it may have just ended). */
async function cancelAbandoned(ctx: RunsContext, core: RunsCore, runId: string): Promise<void> {
  try {
    const current = await ctx.stores.runs.get(runId);
    if (current) await core.cancel(current, "interrupt", false);
  } catch (error) {
    ctx.logger.warn({ err: error, run_id: runId }, "could not cancel the run its client abandoned");
  }
}

/** A run's events after `afterSeq`; a reader that leaves before `end` cancels the run if asked to. */
function follow(ctx: RunsContext, core: RunsCore, heartbeatMs: number, run: RunRecord, afterSeq: number, signal: AbortSignal, cancelOnDisconnect: boolean): AsyncGenerator<TailItem> {
  const onStopped = cancelOnDisconnect
    ? (ended: boolean) => (!ended && signal.aborted ? cancelAbandoned(ctx, core, run.runId) : undefined)
    : undefined;
  return core.tail(run.runId, afterSeq, heartbeatMs, signal, onStopped);
}

/** Waits for a run to end and reads the thread's values; a waiter that leaves cancels the run if `cancelIfLeft`. */
async function outcomeOf(ctx: RunsContext, core: RunsCore, run: RunRecord, signal: AbortSignal, cancelIfLeft: boolean): Promise<WaitOutcome> {
  let finished: RunRecord | null;
  try {
    finished = await core.waitForEnd(run.runId, signal);
  } catch (error) {
    if (signal.aborted && cancelIfLeft) await cancelAbandoned(ctx, core, run.runId);
    throw error;
  }
  if (!finished) throw new RunRolledBackError(run.runId);
  return { run: finished, values: await core.stateValues(finished) };
}

/** JoinRun: the caller's run after `lastEventId`, counted against the joiner limits until its stream stops. */
async function joinRun(ctx: RunsContext, core: RunsCore, joiners: Joiners, heartbeatMs: number, at: { run: RunRef; lastEventId: number; userId: string }, signal: AbortSignal) {
  const run = await ownRun(ctx, at.run, at.userId);
  // Counted after the owner check: another user's run must not show whether its joiners are full.
  const leave = joiners.enter(run.runId, at.userId);
  try {
    const gap = await core.findGap(run.runId, at.lastEventId);
    // Counted until the stream stops, or the client leaves (a stream aborted before its first read never starts).
    signal.addEventListener("abort", leave, { once: true });
    const stopped = () => {
      signal.removeEventListener("abort", leave);
      leave();
    };
    return { run, gap, events: core.tail(run.runId, at.lastEventId, heartbeatMs, signal, stopped) };
  } catch (error) {
    leave();
    throw error;
  }
}

export function runUseCases(ctx: RunsContext, core: RunsCore, heartbeatMs: number) {
  const get = (run: RunRef, userId: string) => ownRun(ctx, run, userId);
  const joiners = new Joiners(ctx.options.maxJoinersPerRun, ctx.options.maxJoinersPerUser);
  return {
    ...runResources(ctx, core),

    /** Creates a run and follows its events from the first. */
    async stream(spec: RunSpec, userId: string, signal: AbortSignal): Promise<StartedStream> {
      const run = await core.create(spec, userId);
      return { run, events: follow(ctx, core, heartbeatMs, run, 0, signal, spec.kwargs.onDisconnect === "cancel") };
    },

    /** Creates a run in the background: nothing follows it, so nothing cancels it when a client leaves. */
    create: (spec: RunSpec, userId: string): Promise<RunRecord> => core.create(spec, userId),

    /** Finds the caller's existing run; `outcome` settles when it ends. Leaving early never cancels it (it is someone else's wait). */
    async await(ref: RunRef, userId: string, signal: AbortSignal): Promise<{ run: RunRecord; outcome: Promise<WaitOutcome> }> {
      const run = await get(ref, userId);
      return { run, outcome: outcomeOf(ctx, core, run, signal, false) };
    },

    /** Creates a run; `outcome` settles when it ends, with the thread's state values. */
    async wait(spec: RunSpec, userId: string, signal: AbortSignal): Promise<{ run: RunRecord; outcome: Promise<WaitOutcome> }> {
      const run = await core.create(spec, userId);
      return { run, outcome: outcomeOf(ctx, core, run, signal, run.kwargs.onDisconnect === "cancel") };
    },

    get,

    /** Cancels the caller's active run; an interrupted run is answered as is, so retries are safe. */
    async cancel(ref: RunRef, action: CancelActionName, wait: boolean, userId: string, signal: AbortSignal): Promise<{ before: RunRecord; after: RunRecord | null }> {
      const run = await get(ref, userId);
      if (run.status === "interrupted") return { before: run, after: run };
      if (run.status !== "pending" && run.status !== "running") throw new RunNotActiveError(run.runId, run.status);
      return { before: run, after: await core.cancel(run, action, wait, signal) };
    },

    /** Re-attaches to the caller's run after `lastEventId`; `gap` says where replay really starts when that event is gone. */
    join: (run: RunRef, lastEventId: number, userId: string, signal: AbortSignal) => joinRun(ctx, core, joiners, heartbeatMs, { run, lastEventId, userId }, signal),

    /** Open JoinRun streams on this replica, of a run or of a user. */
    joiners: (scope: "run" | "user", id: string) => joiners.count(scope, id),

    async listMessages(runId: string, query: MessagePageQuery, userId: string): Promise<MessagePage> {
      const run = await get(runId, userId);
      return ctx.stores.events.pageMessages(run.runId, query);
    },
  };
}
