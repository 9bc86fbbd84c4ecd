// A run's events after a given one, live until its `end`, with a heartbeat
// whenever nothing was sent for a while. Runs executing here are read from
// the in-process cache and woken by the bus; others are polled with backoff.
import type { StoredStreamEvent } from "../../domain/events.js";
import { TERMINAL_STATUSES } from "../../domain/records.js";
import type { RunsContext } from "./context.js";

export type TailItem = { type: "event"; event: StoredStreamEvent } | { type: "heartbeat" };

const TAIL_BATCH = 512;

export async function* tailRun(ctx: RunsContext, runId: string, afterSeq: number, heartbeatMs: number, signal: AbortSignal): AsyncGenerator<TailItem> {
  const { stores, bus, cache, options } = ctx;
  let after = afterSeq;
  let lastSent = Date.now();
  let pollMs = options.pollMinMs;
  while (!signal.aborted) {
    const seen = bus.version(runId);
    const rows = cache.after(runId, after, TAIL_BATCH) ?? (await stores.events.listRunEvents(runId, after, TAIL_BATCH));
    for (const row of rows) {
      yield { type: "event", event: row };
      after = row.seq;
      if (row.kind === "end") return;
    }
    if (rows.length > 0) {
      lastSent = Date.now();
      pollMs = options.pollMinMs;
      if (rows.length === TAIL_BATCH) continue;
    }
    const untilHeartbeat = heartbeatMs - (Date.now() - lastSent);
    if (untilHeartbeat <= 0) {
      yield { type: "heartbeat" };
      lastSent = Date.now();
      continue;
    }
    const woken = await bus.wait(runId, seen, Math.min(pollMs, untilHeartbeat), signal);
    if (!woken && !ctx.live.has(runId) && !cache.has(runId)) {
      pollMs = Math.min(pollMs * 2, options.pollMaxMs);
      if (await willNeverWrite(ctx, runId, after, rows.length)) return;
    }
  }
}

/**
 * A deleted run (rollback), or a finished one with nothing after `after`,
 * will never write more: the tail stops instead of waiting forever.
 */
async function willNeverWrite(ctx: RunsContext, runId: string, after: number, justRead: number): Promise<boolean> {
  const run = await ctx.stores.runs.get(runId);
  if (!run) return true;
  if (!TERMINAL_STATUSES.includes(run.status) || justRead > 0) return false;
  const [later] = await ctx.stores.events.listRunEvents(runId, after, 1);
  return !later;
}

/** Where a JoinRun resuming after `lastEventId` really resumes, when that event is no longer this run's. */
export async function findGap(ctx: RunsContext, runId: string, lastEventId: number): Promise<{ firstAvailable: number } | null> {
  if (lastEventId <= 0) return null;
  // The first event at or after it: either that very event, or the first one still stored after it.
  const [at] = await ctx.stores.events.listRunEvents(runId, lastEventId - 1, 1);
  return at && at.seq === lastEventId ? null : { firstAvailable: at?.seq ?? 0 };
}
