// A run's events after a given one, live until its `end`, with a heartbeat
// whenever nothing was sent for a while. Runs executing here are read from
// the in-process cache and woken by the bus; others through the run's feed
// (run-feed.ts), one store reader per run shared by all its tails.
import type { StoredStreamEvent } from "../../domain/events.js";
import type { RunsContext } from "./context.js";
import { TAIL_BATCH, type RunFeeds } from "./run-feed.js";

export type TailItem = { type: "event"; event: StoredStreamEvent } | { type: "heartbeat" };

/** Called once a tail that was read from stops: `ended` says whether it delivered the run's `end`. */
export type OnTailStopped = (ended: boolean) => void | Promise<void>;

/**
 * The stream of one reader. `closing` aborts when this replica stops serving streams: the
 * reader gets what is stored, then (its run not ended) the abort's reason, UNAVAILABLE, to
 * rejoin another replica. What happens when it stops (cancel on disconnect, joiner counts) is a
 * callback rather than another generator around this one: every generator layer costs each of a
 * burst's events a few microseconds.
 */
export async function* tailRun(
  ctx: RunsContext,
  feeds: RunFeeds,
  at: { runId: string; afterSeq: number; heartbeatMs: number; closing: AbortSignal },
  signal: AbortSignal,
  onStopped?: OnTailStopped,
): AsyncGenerator<TailItem> {
  const { bus, cache } = ctx;
  const { runId, afterSeq, heartbeatMs, closing } = at;
  // Waits end on either; the loop runs on until the reader leaves, reading once more after `closing`.
  const woken = AbortSignal.any([signal, closing]);
  const feed = feeds.acquire(runId, afterSeq);
  let ended = false;
  try {
    let after = afterSeq;
    let lastSent = Date.now();
    while (!signal.aborted) {
      const seen = bus.version(runId);
      const fed = feed.version;
      const cached = cache.after(runId, after, TAIL_BATCH);
      const rows = cached ?? (await feed.read(after, TAIL_BATCH));
      for (const row of rows) {
        yield { type: "event", event: row };
        after = row.seq;
        if (row.kind === "end") {
          ended = true;
          return;
        }
      }
      if (rows.length > 0) {
        lastSent = Date.now();
        if (rows.length === TAIL_BATCH) continue;
      } else if (!cached && feed.ended && after >= feed.head) return;
      if (closing.aborted) throw closing.reason;
      const untilHeartbeat = heartbeatMs - (Date.now() - lastSent);
      if (untilHeartbeat <= 0) {
        yield { type: "heartbeat" };
        lastSent = Date.now();
        continue;
      }
      // Bounded by pollMaxMs, so a tail whose run left the cache (it lingered out) moves on to the feed.
      if (cached) await bus.wait(runId, seen, Math.min(ctx.options.pollMaxMs, untilHeartbeat), woken);
      else await feed.wait(fed, untilHeartbeat, woken);
    }
  } finally {
    feeds.release(feed);
    await onStopped?.(ended);
  }
}

/** Where a JoinRun resuming after `lastEventId` really resumes, when that event is no longer this run's. */
export async function findGap(ctx: RunsContext, runId: string, lastEventId: number): Promise<{ firstAvailable: number } | null> {
  if (lastEventId <= 0) return null;
  // The first event at or after it: either that very event, or the first one still stored after it.
  const [at] = await ctx.stores.events.listRunEvents(runId, lastEventId - 1, 1);
  return at && at.seq === lastEventId ? null : { firstAvailable: at?.seq ?? 0 };
}
