// The caller's runs as a collection: list them (ListRuns), delete one that
// ended (DeleteRun), cancel several at once (CancelRuns). Every query carries
// the caller's id, so another user's run is exactly like a missing one: never
// listed, NOT_FOUND to delete, skipped by a bulk cancel.
import { InvalidArgumentError, RunActiveError, RunNotFoundError } from "../../domain/errors.js";
import { ACTIVE_STATUSES, type CancelActionName, type JsonValue, type RunRecord, type RunStatus } from "../../domain/records.js";
import type { RunPosition } from "../../stores/types.js";
import { decodePageToken, encodePageToken, pageScope } from "../page-token.js";
import type { RunsContext } from "./context.js";
import type { RunsCore } from "./core.js";
import { ownRun, runIdOf, type RunRef } from "./own-run.js";

export const DEFAULT_RUN_PAGE_SIZE = 50;
/** How many active runs a bulk cancel by thread reads per store query. */
const CANCEL_BATCH = 200;

export interface RunListQuery {
  /** Null: across all of the caller's threads. */
  threadId: string | null;
  /** Empty: every status. */
  statuses: readonly RunStatus[];
  /** Unset: DEFAULT_RUN_PAGE_SIZE (the contract bounds it to 1..200). */
  pageSize?: number;
  /** "" for the first page. */
  pageToken: string;
}

export interface RunPage {
  runs: RunRecord[];
  /** "" on the last page. */
  nextPageToken: string;
}

/** Which runs a bulk cancel is about: these ids, or the active runs of one thread (empty statuses: pending and running). */
export type RunSelector = { runIds: readonly string[] } | { threadId: string; statuses: readonly RunStatus[] };

/** A decoded token's position; the MAC already proved it ours, the shape is checked all the same. */
function positionOf(raw: JsonValue | null): RunPosition | null {
  if (raw === null) return null;
  const [at, runId] = Array.isArray(raw) ? raw : [];
  if (typeof at !== "number" || !Number.isSafeInteger(at) || typeof runId !== "string") {
    throw new InvalidArgumentError("page_token", "not a page token of this query");
  }
  return { createdAt: new Date(at), runId };
}

async function listRuns(ctx: RunsContext, query: RunListQuery, userId: string): Promise<RunPage> {
  // Sorted, so the same filter in another order pages on with the same token.
  const statuses = [...new Set(query.statuses)].sort();
  const scope = pageScope("runs", userId, [query.threadId, statuses]);
  const after = positionOf(decodePageToken(query.pageToken, scope));
  const limit = query.pageSize ?? DEFAULT_RUN_PAGE_SIZE;
  // One more than the page: whether it exists decides the token, so the last page never points at an empty one.
  const rows = await ctx.stores.runs.page({ userId, threadId: query.threadId, statuses, after, limit: limit + 1 });
  const runs = rows.slice(0, limit);
  const last = runs.at(-1);
  const nextPageToken = rows.length > limit && last ? encodePageToken([last.createdAt.getTime(), last.runId], scope) : "";
  return { runs, nextPageToken };
}

/**
 * Marks the run deleting first, which hides it at once, then removes its
 * feedback, its events and messages, and last its record. Each step is
 * idempotent and the mark stays until the record goes, so a delete cut short
 * (a database outage, a crash) leaves nothing visible, and a repeat or the
 * lease keeper's sweep finishes it.
 */
async function deleteRun(ctx: RunsContext, ref: RunRef, userId: string): Promise<void> {
  const { runs } = ctx.stores;
  const runId = runIdOf(ref);
  // Named on a thread, the run is read first: one on another thread must not be marked (hidden) before it is refused.
  if (typeof ref !== "string") await ownRun(ctx, ref, userId);
  let marked = await runs.markDeleting(runId, userId);
  if (!marked) {
    const run = await runs.getOwned(runId, userId);
    if (!run) throw new RunNotFoundError(runId);
    if (ACTIVE_STATUSES.includes(run.status)) throw new RunActiveError(run.runId, run.status);
    // It ended between the two reads.
    marked = await runs.markDeleting(runId, userId);
    if (!marked) throw new RunNotFoundError(runId);
  }
  await finishDelete(ctx, marked.runId);
}

/** DeleteRun's steps after the mark, each idempotent: also how the lease keeper's sweep finishes a delete nobody repeated. */
export async function finishDelete(ctx: RunsContext, runId: string): Promise<void> {
  const { runs, events, feedback } = ctx.stores;
  await feedback.deleteByRun(runId);
  await events.deleteRun(runId);
  await runs.delete(runId);
  ctx.bus.notify(runId);
}

/** The caller's active runs the selector names: ids that are missing, another user's or ended are skipped. */
async function selected(ctx: RunsContext, selector: RunSelector, userId: string): Promise<RunRecord[]> {
  const { runs } = ctx.stores;
  if ("runIds" in selector) {
    // One query for all of them, the owner in it; answered in the order the ids were given.
    const found = new Map((await runs.getMany(selector.runIds, userId)).map((run) => [run.runId, run]));
    return [...new Set(selector.runIds)].flatMap((id) => {
      const run = found.get(id);
      return run && ACTIVE_STATUSES.includes(run.status) ? [run] : [];
    });
  }
  const statuses = selector.statuses.length > 0 ? selector.statuses : ACTIVE_STATUSES;
  const out: RunRecord[] = [];
  for (let after: RunPosition | null = null; ; ) {
    const batch = await runs.page({ userId, threadId: selector.threadId, statuses, after, limit: CANCEL_BATCH });
    out.push(...batch);
    const last = batch.at(-1);
    if (batch.length < CANCEL_BATCH || !last) return out;
    after = { createdAt: last.createdAt, runId: last.runId };
  }
}

/**
 * Cancels the selected runs with CancelRun's canceller and returns them as
 * they ended (a rolled-back one as it was before its deletion), in the
 * selector's order. Pending runs go first: stopping a thread's running run
 * first would let the thread start its next pending one. Running ones are
 * awaited together, so the answer shows them ended and costs the slowest.
 */
async function cancelRuns(ctx: RunsContext, core: RunsCore, selector: RunSelector, action: CancelActionName, userId: string, signal: AbortSignal): Promise<RunRecord[]> {
  const runs = await selected(ctx, selector, userId);
  const after = new Map<string, RunRecord>();
  for (const run of runs.filter((r) => r.status === "pending")) {
    after.set(run.runId, (await core.cancel(run, action, false)) ?? run);
  }
  const running = runs.filter((r) => r.status === "running");
  const ended = await Promise.all(running.map((run) => core.cancel(run, action, true, signal)));
  running.forEach((run, i) => after.set(run.runId, ended[i] ?? run));
  return runs.map((run) => after.get(run.runId) ?? run);
}

export function runResources(ctx: RunsContext, core: RunsCore) {
  return {
    /** One page of the caller's runs, newest first. */
    list: (query: RunListQuery, userId: string) => listRuns(ctx, query, userId),
    /** Deletes the caller's ended run with its events, messages and feedback. */
    delete: (run: RunRef, userId: string) => deleteRun(ctx, run, userId),
    /** Cancels the caller's selected active runs; returns those it cancelled. */
    cancelMany: (selector: RunSelector, action: CancelActionName, userId: string, signal: AbortSignal) => cancelRuns(ctx, core, selector, action, userId, signal),
  };
}
