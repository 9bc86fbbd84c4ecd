// ListRuns' order kept per user and per (user, thread), so a page costs what
// it returns plus what its filters skip, never a sort of every run. Entries
// are sorted by (created_at, run_id) ascending and read from the end. Runs
// usually arrive in creation order, so an insert is an append. A removed run
// stays in its lists until they compact (removing from the middle of a long
// array per eviction would cost its length each time); readers check every
// entry against the live record, so a stale one is skipped, never returned.
import type { RunRecord } from "../../domain/records.js";
import type { RunPageQuery, RunPosition } from "../types.js";

interface Entry {
  at: number;
  runId: string;
}

/** Negative when a sorts before b in (created_at, run_id) ascending. */
function compare(a: Entry, b: Entry): number {
  if (a.at !== b.at) return a.at - b.at;
  return a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0;
}

/** One ordered list with a count of the stale entries it still holds. */
class OrderedRuns {
  entries: Entry[] = [];
  stale = 0;

  /** The index of the first entry not before `entry` (binary search). */
  lowerBound(entry: Entry): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(this.entries[mid]!, entry) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  add(entry: Entry): void {
    const last = this.entries.at(-1);
    if (!last || compare(last, entry) < 0) this.entries.push(entry);
    else this.entries.splice(this.lowerBound(entry), 0, entry);
  }
}

export class RunPageIndex {
  private readonly lists = new Map<string, OrderedRuns>();

  /** `live` says whether an entry is still the stored run (used to skip and compact stale ones). */
  constructor(private readonly live: (runId: string, at: number) => RunRecord | undefined) {}

  private keys(userId: string, threadId: string): string[] {
    return [JSON.stringify([userId]), JSON.stringify([userId, threadId])];
  }

  added(run: RunRecord): void {
    for (const key of this.keys(run.userId, run.threadId)) {
      let list = this.lists.get(key);
      if (!list) this.lists.set(key, (list = new OrderedRuns()));
      list.add({ at: run.createdAt.getTime(), runId: run.runId });
    }
  }

  removed(run: RunRecord): void {
    for (const key of this.keys(run.userId, run.threadId)) {
      const list = this.lists.get(key);
      if (!list) continue;
      list.stale++;
      // Compacted once half stale: each entry is copied O(1) times on average.
      if (list.stale * 2 >= list.entries.length) this.compact(key, list);
    }
  }

  private compact(key: string, list: OrderedRuns): void {
    list.entries = list.entries.filter((e) => this.live(e.runId, e.at) !== undefined);
    list.stale = 0;
    if (list.entries.length === 0) this.lists.delete(key);
  }

  /** The stored runs of one page (not copies), in ListRuns' order; `visible` filters the ones being deleted. */
  page(query: RunPageQuery, visible: (run: RunRecord) => boolean): RunRecord[] {
    const key = query.threadId === null ? JSON.stringify([query.userId]) : JSON.stringify([query.userId, query.threadId]);
    const list = this.lists.get(key);
    if (!list) return [];
    const out: RunRecord[] = [];
    const statuses = query.statuses.length > 0 ? new Set(query.statuses) : null;
    for (let i = startOf(list, query.after); i >= 0 && out.length < query.limit; i--) {
      const entry = list.entries[i]!;
      const run = this.live(entry.runId, entry.at);
      if (!run || run.userId !== query.userId || !visible(run)) continue;
      if (statuses && !statuses.has(run.status)) continue;
      out.push(run);
    }
    return out;
  }
}

/** The index of the last entry strictly before `after` (the first one a page may return). */
function startOf(list: OrderedRuns, after: RunPosition | null): number {
  if (!after) return list.entries.length - 1;
  return list.lowerBound({ at: after.createdAt.getTime(), runId: after.runId }) - 1;
}
