// One reader of a run's events per replica, shared by all the run's tails:
// without it 2,000 JoinRuns on one run were 2,000 loops each reading every
// batch from the store. A feed reads a batch only when some tail waits at its
// head, once for all of them, and keeps the last WINDOW events so each tail
// slices them at its own position; a tail that fell behind the window (or is
// ahead of it) reads the store itself. Runs executing here are read from the
// event cache, which the feed also uses, so they cost no store reads at all.
import type { StoredStreamEvent } from "../../domain/events.js";
import { TERMINAL_STATUSES } from "../../domain/records.js";
import { sliceAfter } from "../../domain/seq.js";
import type { RunsContext } from "./context.js";

export const TAIL_BATCH = 512;
/** Two batches: tails a batch apart still share, and a feed's memory stays bounded whatever its readers do. */
const WINDOW = 2 * TAIL_BATCH;

export class RunFeed {
  /** Every event of the run with base < seq <= head, ascending. */
  private rows: StoredStreamEvent[] = [];
  private base: number;
  head: number;
  /** Moves whenever the feed read, ended or failed: what waiting tails wait for. */
  version = 0;
  /** No event will come after `head`: `end` was read, or the run was deleted or finished with nothing more. */
  ended = false;
  failure: unknown = null;
  readers = 0;
  private readonly waiting = new Set<() => void>();
  private demand: (() => void) | null = null;
  private readonly stopped = new AbortController();

  constructor(private readonly ctx: RunsContext, readonly runId: string, from: number) {
    this.base = this.head = from;
  }

  /** Events after `after`, without waiting: from the window, else the caller's own store read; none at the head. */
  async read(after: number, limit: number): Promise<StoredStreamEvent[]> {
    if (this.failure) throw this.failure;
    if (after >= this.base && after < this.head) return sliceAfter(this.rows, after, limit);
    if (after === this.head) return [];
    return this.ctx.stores.events.listRunEvents(this.runId, after, limit);
  }

  /** Waits for the feed's next read (at most `timeoutMs`), unless it moved past `seen` already. */
  wait(seen: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (this.version !== seen || this.ended || this.failure || signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        this.waiting.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener("abort", done, { once: true });
      this.waiting.add(done);
      this.demand?.();
    });
  }

  start(): void {
    this.poll().catch((error: unknown) => {
      this.failure = error;
      this.notify();
    });
  }

  stop(): void {
    this.stopped.abort();
    this.demand?.();
  }

  /** Reads at the head while a tail waits there; backs off while a run elsewhere writes nothing. */
  private async poll(): Promise<void> {
    const { stores, bus, live, cache, options } = this.ctx;
    let pollMs = options.pollMinMs;
    while (!this.stopped.signal.aborted && !this.ended) {
      if (this.waiting.size === 0) {
        await new Promise<void>((resolve) => (this.demand = resolve));
        this.demand = null;
        continue;
      }
      const seen = bus.version(this.runId);
      const rows = cache.after(this.runId, this.head, TAIL_BATCH) ?? (await stores.events.listRunEvents(this.runId, this.head, TAIL_BATCH));
      if (rows.length > 0) {
        this.append(rows);
        pollMs = options.pollMinMs;
        continue;
      }
      const woken = await bus.wait(this.runId, seen, pollMs, this.stopped.signal);
      if (!woken && !live.has(this.runId) && !cache.has(this.runId)) {
        pollMs = Math.min(pollMs * 2, options.pollMaxMs);
        if (await willNeverWrite(this.ctx, this.runId, this.head)) this.ended = true;
        this.notify();
      }
    }
  }

  private append(rows: StoredStreamEvent[]): void {
    this.rows.push(...rows);
    this.head = rows[rows.length - 1]!.seq;
    if (rows[rows.length - 1]!.kind === "end") this.ended = true;
    const cut = this.rows.length - WINDOW;
    if (cut > 0) {
      this.base = this.rows[cut - 1]!.seq;
      this.rows = this.rows.slice(cut);
    }
    this.notify();
  }

  /** Wakes every waiting tail; the set is emptied at once, so the poller sees no demand until one waits again. */
  private notify(): void {
    this.version++;
    const waking = [...this.waiting];
    this.waiting.clear();
    for (const wake of waking) wake();
  }
}

/** The feeds of runs some tail reads, created by the first tail and dropped with the last. */
export class RunFeeds {
  private readonly feeds = new Map<string, RunFeed>();

  constructor(private readonly ctx: RunsContext) {}

  acquire(runId: string, from: number): RunFeed {
    let feed = this.feeds.get(runId);
    // A failed feed (the store was down) is replaced, so new tails try again.
    if (!feed || feed.failure) {
      feed = new RunFeed(this.ctx, runId, from);
      this.feeds.set(runId, feed);
      feed.start();
    }
    feed.readers++;
    return feed;
  }

  release(feed: RunFeed): void {
    if (--feed.readers > 0) return;
    feed.stop();
    if (this.feeds.get(feed.runId) === feed) this.feeds.delete(feed.runId);
  }

  /** Runs with a feed: for tests and metrics. */
  get size(): number {
    return this.feeds.size;
  }
}

/**
 * A deleted run (rollback), or a finished one with nothing after `after`,
 * will never write more: its tails stop instead of waiting forever.
 */
async function willNeverWrite(ctx: RunsContext, runId: string, after: number): Promise<boolean> {
  const run = await ctx.stores.runs.get(runId);
  if (!run) return true;
  if (!TERMINAL_STATUSES.includes(run.status)) return false;
  const [later] = await ctx.stores.events.listRunEvents(runId, after, 1);
  return !later;
}
