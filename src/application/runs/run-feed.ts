// One reader of a run's events per replica, shared by all the run's tails,
// and one poller per replica for all the feeds: 2,000 JoinRuns on one run
// were once 2,000 loops each reading every batch, and one loop per run still
// made the database's load grow with the streams open. The poller reads, in
// one query, every run some tail waits on at its feed's head, every
// --poll-min-ms while one of those runs is live, slower while all are queued;
// with no tail waiting it sends nothing. A feed keeps its run's last WINDOW events so
// each tail slices them at its own position; a tail that fell behind the
// window (or is ahead of it) reads the store itself. Runs executing here are
// read from the event cache, so they cost no store reads at all.
import type { StoredStreamEvent } from "../../domain/events.js";
import { TERMINAL_STATUSES } from "../../domain/records.js";
import { sliceAfter } from "../../domain/seq.js";
import type { RunsContext } from "./context.js";

export const TAIL_BATCH = 512;
/** Two batches: tails a batch apart still share, and a feed's memory stays bounded whatever its readers do. */
const WINDOW = 2 * TAIL_BATCH;
/** Rows one poll reads for all its runs; a run the limit cut goes on at the next poll, at once. */
const POLL_LIMIT = 4 * TAIL_BATCH;
/** How often feeds that read nothing ask whether their run still writes (one query for all of them). */
const LIVENESS_MS = 2_000;
/** A tailed run that wrote this recently is live: its tails get fast polls. */
const ACTIVE_MS = 5_000;

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
  /** When rows last came, and when its run was last checked: a feed quiet for LIVENESS_MS since both is checked (a new one at once). */
  lastRowsAt = 0;
  checkedAt = 0;
  /** What the last check said: the run is running (or unknown yet), so its tails want fast polls. */
  runActive = true;
  /** When its run was first seen finished with no `end` read yet: it ends if nothing comes by the next check. */
  finishedSeenAt: number | null = null;
  private readonly waiting = new Set<() => void>();

  constructor(private readonly ctx: RunsContext, readonly runId: string, from: number, private readonly onDemand: () => void) {
    this.base = this.head = from;
  }

  /** A tail waits at the head: the poller reads this run. */
  get wanted(): boolean {
    return this.waiting.size > 0 && !this.ended && this.failure === null;
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
      this.onDemand();
    });
  }

  append(rows: StoredStreamEvent[]): void {
    const fresh = rows.filter((row) => row.seq > this.head);
    if (fresh.length === 0) return;
    this.rows.push(...fresh);
    this.head = fresh[fresh.length - 1]!.seq;
    this.lastRowsAt = Date.now();
    this.runActive = true;
    this.finishedSeenAt = null;
    if (fresh[fresh.length - 1]!.kind === "end") this.ended = true;
    const cut = this.rows.length - WINDOW;
    if (cut > 0) {
      this.base = this.rows[cut - 1]!.seq;
      this.rows = this.rows.slice(cut);
    }
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  fail(error: unknown): void {
    this.failure = error;
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

/** The feeds of runs some tail reads, created by the first tail and dropped with the last, and their one poller. */
export class RunFeeds {
  private readonly feeds = new Map<string, RunFeed>();
  private polling = false;

  constructor(private readonly ctx: RunsContext) {}

  acquire(runId: string, from: number): RunFeed {
    let feed = this.feeds.get(runId);
    // A failed feed (the store was down) is replaced, so new tails try again.
    if (!feed || feed.failure) {
      feed = new RunFeed(this.ctx, runId, from, () => this.kick());
      this.feeds.set(runId, feed);
    }
    feed.readers++;
    return feed;
  }

  release(feed: RunFeed): void {
    if (--feed.readers > 0) return;
    if (this.feeds.get(feed.runId) === feed) this.feeds.delete(feed.runId);
  }

  /** Runs with a feed: for tests and metrics. */
  get size(): number {
    return this.feeds.size;
  }

  private kick(): void {
    if (this.polling) return;
    this.polling = true;
    void this.pollWhileWanted().finally(() => (this.polling = false));
  }

  /**
   * Polls while some tail waits: every --poll-min-ms while a tailed run is
   * live (running, or wrote within ACTIVE_MS), doubling up to --poll-max-ms
   * while all are quiet and not running (queued); at once after a poll the
   * limit cut. So its rate is bounded per replica, whatever the streams open.
   */
  private async pollWhileWanted(): Promise<void> {
    const { pollMinMs, pollMaxMs } = this.ctx.options;
    let intervalMs = pollMinMs;
    for (;;) {
      const wanted = [...this.feeds.values()].filter((feed) => feed.wanted);
      if (wanted.length === 0) return;
      const read = await this.pollOnce(wanted);
      if (read >= POLL_LIMIT) continue;
      const now = Date.now();
      const live = wanted.some((feed) => feed.runActive || now - feed.lastRowsAt < ACTIVE_MS);
      intervalMs = live ? pollMinMs : Math.min(intervalMs * 2, pollMaxMs);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  }

  /** One poll of `wanted`: cached runs from the cache, the others in one store query. How many rows the query read. */
  private async pollOnce(wanted: RunFeed[]): Promise<number> {
    const { cache, stores, logger } = this.ctx;
    const remote: RunFeed[] = [];
    for (const feed of wanted) {
      const cached = cache.after(feed.runId, feed.head, TAIL_BATCH);
      if (cached === null) remote.push(feed);
      else if (cached.length > 0) feed.append(cached);
    }
    if (remote.length === 0) return 0;
    try {
      const rows = await stores.events.listEventsOfRuns(remote.map((feed) => ({ runId: feed.runId, afterSeq: feed.head })), POLL_LIMIT);
      for (const [runId, runRows] of groupByRun(rows)) this.feeds.get(runId)?.append(runRows);
      await this.checkLiveness(remote);
      return rows.length;
    } catch (error) {
      logger.warn({ err: error }, "reading tailed runs' events failed");
      for (const feed of remote) feed.fail(error);
      return 0;
    }
  }

  /**
   * Feeds that read nothing for LIVENESS_MS ask, in one query, whether their
   * run still writes: a deleted run never will; a finished one whose `end`
   * never came (it was being written when first seen) ends by the next check.
   */
  private async checkLiveness(feeds: RunFeed[]): Promise<void> {
    const now = Date.now();
    const due = feeds.filter((feed) => !feed.ended && now - Math.max(feed.lastRowsAt, feed.checkedAt) >= LIVENESS_MS);
    if (due.length === 0) return;
    const runs = new Map((await this.ctx.stores.runs.getMany(due.map((feed) => feed.runId))).map((run) => [run.runId, run]));
    for (const feed of due) {
      feed.checkedAt = now;
      const run = runs.get(feed.runId);
      feed.runActive = run?.status === "running";
      if (!run) feed.end();
      else if (!TERMINAL_STATUSES.includes(run.status)) feed.finishedSeenAt = null;
      // Finished a while ago, or seen finished a check ago, and nothing after the head: its end is behind this tail.
      else if (now - run.updatedAt.getTime() >= LIVENESS_MS || (feed.finishedSeenAt !== null && now - feed.finishedSeenAt >= LIVENESS_MS)) feed.end();
      else feed.finishedSeenAt ??= now;
    }
  }
}

function groupByRun(rows: readonly StoredStreamEvent[]): Map<string, StoredStreamEvent[]> {
  const byRun = new Map<string, StoredStreamEvent[]>();
  for (const row of rows) {
    const list = byRun.get(row.runId);
    if (list) list.push(row);
    else byRun.set(row.runId, [row]);
  }
  return byRun;
}
