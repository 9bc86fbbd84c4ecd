// --max-active-runs-per-user, enforced by the store's atomic slots: a run
// takes one of its user's slots just before it is inserted and frees it the moment
// it ends (finisher.record: finished, cancelled while pending, reaped) or its
// creation fails. Freeing is idempotent, so overlapping paths are harmless; a
// slot whose run ended without freeing it (a replica died in between) is
// found and freed when a refusal would otherwise follow.
import { TooManyRunsError } from "../../domain/errors.js";
import { TERMINAL_STATUSES, type RunRecord } from "../../domain/records.js";
import type { RunsContext } from "./context.js";

/** Takes a slot for `run` or throws TooManyRunsError; a no-op without a limit. */
export async function takeUserSlot(ctx: RunsContext, run: RunRecord): Promise<void> {
  const limit = ctx.options.maxActiveRunsPerUser;
  if (limit <= 0) return;
  const { runs } = ctx.stores;
  if (await runs.takeUserSlot(run.userId, run.runId, limit)) return;
  if ((await freeStaleSlots(ctx, run.userId)) > 0 && (await runs.takeUserSlot(run.userId, run.runId, limit))) return;
  throw new TooManyRunsError(limit);
}

/** Frees `run`'s slot, if the limit is on (it is idempotent, so callers need not know whether it held one). */
export async function releaseUserSlot(ctx: RunsContext, run: RunRecord): Promise<void> {
  if (ctx.options.maxActiveRunsPerUser <= 0) return;
  await ctx.stores.runs.releaseUserSlot(run.userId, run.runId);
}

/**
 * A create takes its run's slot just before inserting the run, so a slot
 * whose run is missing is stale only once no create could still be between
 * the two (each is one bounded database call; a minute is ample).
 */
const MISSING_RUN_GRACE_MS = 60_000;

/** Frees the slots of the user's runs that are terminal, or gone for longer than a create takes; at most `limit` reads. */
async function freeStaleSlots(ctx: RunsContext, userId: string): Promise<number> {
  const { runs } = ctx.stores;
  let freed = 0;
  for (const slot of await runs.userSlots(userId)) {
    const held = await runs.get(slot.runId);
    const stale = held ? TERMINAL_STATUSES.includes(held.status) : Date.now() - slot.takenAt.getTime() > MISSING_RUN_GRACE_MS;
    if (!stale) continue;
    await runs.releaseUserSlot(userId, slot.runId);
    freed++;
  }
  return freed;
}
