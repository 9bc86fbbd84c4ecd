// The embedded store: everything in process memory, nothing to install.
import { ACTIVE_STATUSES, isJsonObject, type FeedbackRecord, type RunRecord, type RunStatus, type ThreadRecord } from "../domain/records.js";
import { DuplicateError, StoreFullError } from "../domain/errors.js";
import { isStoredMessage, type MessagePage, type MessagePageQuery, type NewEvent, type StoredEvent, type StoredMessage, type StoredStreamEvent } from "../domain/events.js";
import type { EventStore, FeedbackStore, RunStore, Stores, ThreadStore } from "./types.js";
import { firstAfter } from "../domain/seq.js";

class MemoryRunStore implements RunStore {
  readonly runs = new Map<string, RunRecord>();
  readonly byThread = new Map<string, Set<string>>();
  /** Pending or running runs: never evicted, so they alone decide when the store is full. */
  private active = 0;
  /** Finished runs in the order they finished, consumed from `head` so evicting costs O(1) per run. */
  private finished: string[] = [];
  private head = 0;

  constructor(private readonly maxRuns: number, private readonly evicted: (run: RunRecord) => void) {}

  /** Throws StoreFullError when one more active run would not fit. */
  admit(): void {
    if (this.active >= this.maxRuns) throw new StoreFullError(this.maxRuns);
  }

  async insert(run: RunRecord): Promise<void> {
    if (this.runs.has(run.runId)) throw new DuplicateError("run_id");
    if (ACTIVE_STATUSES.includes(run.status)) this.admit();
    this.runs.set(run.runId, { ...run });
    let ids = this.byThread.get(run.threadId);
    if (!ids) this.byThread.set(run.threadId, (ids = new Set()));
    ids.add(run.runId);
    this.statusChanged(run.runId, null, run.status);
    this.evictBeyondBound();
  }

  /** Keeps the active count and the eviction queue in step with a status change (`was` null: inserted). */
  private statusChanged(runId: string, was: RunStatus | null, now: RunStatus): void {
    const wasActive = was !== null && ACTIVE_STATUSES.includes(was);
    if (wasActive) this.active--;
    if (ACTIVE_STATUSES.includes(now)) this.active++;
    else if ((was === null || wasActive) && Number.isFinite(this.maxRuns)) this.finished.push(runId);
  }

  /** Active runs never exceed maxRuns (admit), so finished ones always suffice to get back to the bound. */
  private evictBeyondBound(): void {
    while (this.runs.size > this.maxRuns && this.head < this.finished.length) {
      const run = this.runs.get(this.finished[this.head++]!);
      // Deleted since, or active again (it is queued anew when it finishes).
      if (!run || ACTIVE_STATUSES.includes(run.status)) continue;
      this.runs.delete(run.runId);
      this.byThread.get(run.threadId)?.delete(run.runId);
      this.evicted(run);
    }
    if (this.head > 4096 && this.head * 2 > this.finished.length) {
      this.finished = this.finished.slice(this.head);
      this.head = 0;
    }
  }

  async get(runId: string): Promise<RunRecord | null> {
    const run = this.runs.get(runId);
    return run ? { ...run } : null;
  }

  async update(runId: string, patch: Partial<RunRecord>, ifStatus?: readonly RunStatus[], ifLeaseBefore?: Date): Promise<RunRecord | null> {
    const run = this.runs.get(runId);
    if (!run) return null;
    if (ifStatus && !ifStatus.includes(run.status)) return null;
    if (ifLeaseBefore && !(run.leaseUntil && run.leaseUntil < ifLeaseBefore)) return null;
    const was = run.status;
    Object.assign(run, patch, { runId: run.runId, threadId: run.threadId });
    this.statusChanged(runId, was, run.status);
    return { ...run };
  }

  async delete(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return;
    if (ACTIVE_STATUSES.includes(run.status)) this.active--;
    this.runs.delete(runId);
    this.byThread.get(run.threadId)?.delete(runId);
  }

  async listByThread(threadId: string, statuses: readonly RunStatus[]): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    for (const id of this.byThread.get(threadId) ?? []) {
      const run = this.runs.get(id);
      if (run && statuses.includes(run.status)) out.push({ ...run });
    }
    return out.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
  }

  /** Copies of the first `limit` runs that `keep` accepts, in insertion order. */
  private scan(limit: number, keep: (run: RunRecord) => boolean): RunRecord[] {
    const out: RunRecord[] = [];
    for (const run of this.runs.values()) {
      if (out.length >= limit) break;
      if (keep(run)) out.push({ ...run });
    }
    return out;
  }

  async listExpired(now: Date, limit: number): Promise<RunRecord[]> {
    return this.scan(limit, (run) => ACTIVE_STATUSES.includes(run.status) && run.leaseUntil !== null && run.leaseUntil < now);
  }

  async listPendingBefore(before: Date, limit: number): Promise<RunRecord[]> {
    return this.scan(limit, (run) => run.status === "pending" && run.createdAt < before);
  }

  async countActiveByUser(userId: string): Promise<number> {
    let n = 0;
    for (const run of this.runs.values()) if (run.userId === userId && ACTIVE_STATUSES.includes(run.status)) n++;
    return n;
  }
}

class MemoryThreadStore implements ThreadStore {
  readonly threads = new Map<string, ThreadRecord>();

  constructor(private readonly admit: () => void) {}

  async ensure(threadId: string, userId: string): Promise<ThreadRecord> {
    // A run's creation starts here, before anything is written: refusing now
    // (not only in runs.insert) leaves no new empty thread behind the refusal.
    this.admit();
    let thread = this.threads.get(threadId);
    if (!thread) {
      const now = new Date();
      thread = { threadId, userId, activeRunId: null, createdAt: now, updatedAt: now };
      this.threads.set(threadId, thread);
    }
    return { ...thread };
  }

  async get(threadId: string): Promise<ThreadRecord | null> {
    const thread = this.threads.get(threadId);
    return thread ? { ...thread } : null;
  }

  async acquire(threadId: string, runId: string): Promise<boolean> {
    const thread = this.threads.get(threadId);
    if (!thread || thread.activeRunId !== null) return thread?.activeRunId === runId;
    thread.activeRunId = runId;
    thread.updatedAt = new Date();
    return true;
  }

  async release(threadId: string, runId: string): Promise<void> {
    const thread = this.threads.get(threadId);
    if (thread?.activeRunId === runId) {
      thread.activeRunId = null;
      thread.updatedAt = new Date();
    }
  }
}

function pushTo<T>(index: Map<string, T[]>, runId: string, row: T): void {
  let rows = index.get(runId);
  if (!rows) index.set(runId, (rows = []));
  rows.push(row);
}

class MemoryEventStore implements EventStore {
  readonly lastSeq = new Map<string, number>();
  private readonly runEvents = new Map<string, StoredStreamEvent[]>();
  private readonly runMessages = new Map<string, StoredMessage[]>();

  /** Keys among the run's last rows: a retried append only ever repeats the tail. */
  private storedKeys(runId: string, window: number): Set<string> {
    const keys = new Set<string>();
    for (const rows of [this.runEvents.get(runId), this.runMessages.get(runId)]) {
      for (const row of rows?.slice(-window) ?? []) if (row.key !== undefined) keys.add(row.key);
    }
    return keys;
  }

  async append(threadId: string, runId: string, events: NewEvent[]): Promise<StoredEvent[]> {
    let seq = this.lastSeq.get(threadId) ?? 0;
    const createdAt = new Date();
    const seen = events.some((e) => e.key !== undefined) ? this.storedKeys(runId, events.length * 2) : new Set<string>();
    const fresh = events.filter((e) => e.key === undefined || !seen.has(e.key));
    const stored = fresh.map((e): StoredEvent => ({ ...e, threadId, runId, seq: ++seq, createdAt }));
    this.lastSeq.set(threadId, seq);
    for (const row of stored) {
      if (isStoredMessage(row)) pushTo(this.runMessages, runId, row);
      else pushTo(this.runEvents, runId, row);
    }
    return stored;
  }

  async listRunEvents(runId: string, afterSeq: number, limit: number): Promise<StoredStreamEvent[]> {
    const rows = this.runEvents.get(runId);
    if (!rows) return [];
    const start = firstAfter(rows, afterSeq);
    return rows.slice(start, start + limit);
  }

  async pageMessages(runId: string, query: MessagePageQuery): Promise<MessagePage> {
    const rows = this.runMessages.get(runId) ?? [];
    if (query.afterSeq !== undefined) {
      const start = firstAfter(rows, query.afterSeq);
      const page = rows.slice(start, start + query.limit);
      return { rows: page, hasMore: start + query.limit < rows.length };
    }
    const end = query.beforeSeq !== undefined ? firstAfter(rows, query.beforeSeq - 1) : rows.length;
    const start = Math.max(0, end - query.limit);
    return { rows: rows.slice(start, end), hasMore: start > 0 };
  }

  async hasMessage(runId: string, messageId: string): Promise<boolean> {
    return (this.runMessages.get(runId) ?? []).some((row) => row.data["id"] === messageId);
  }

  async deleteRun(runId: string): Promise<void> {
    this.runEvents.delete(runId);
    this.runMessages.delete(runId);
  }
}

class MemoryFeedbackStore implements FeedbackStore {
  private readonly byRun = new Map<string, FeedbackRecord[]>();

  async create(feedback: FeedbackRecord): Promise<void> {
    let list = this.byRun.get(feedback.runId);
    if (!list) this.byRun.set(feedback.runId, (list = []));
    if (list.some((f) => f.userId === feedback.userId)) throw new DuplicateError("feedback for (run_id, user_id)");
    list.push({ ...feedback });
  }

  async listByRun(runId: string): Promise<FeedbackRecord[]> {
    return (this.byRun.get(runId) ?? []).map((f) => ({ ...f }));
  }

  async delete(runId: string, feedbackId: string): Promise<boolean> {
    const list = this.byRun.get(runId);
    const index = list?.findIndex((f) => f.feedbackId === feedbackId) ?? -1;
    if (index < 0) return false;
    list!.splice(index, 1);
    return true;
  }

  async deleteByRun(runId: string): Promise<void> {
    this.byRun.delete(runId);
  }
}

export interface MemoryStoreOptions {
  /**
   * Runs kept (with their events, messages and feedback); beyond it the oldest finished ones go.
   * Active runs are never evicted: when they alone fill it, new ones get StoreFullError.
   */
  maxRuns?: number;
  /** Called when a thread's last run was evicted (to drop its checkpoints too). */
  onThreadEvicted?: (threadId: string) => void;
}

export function createMemoryStores(options: MemoryStoreOptions = {}): Stores {
  const events = new MemoryEventStore();
  const feedback = new MemoryFeedbackStore();
  const runs: MemoryRunStore = new MemoryRunStore(options.maxRuns ?? Number.POSITIVE_INFINITY, (run) => {
    void events.deleteRun(run.runId);
    void feedback.deleteByRun(run.runId);
    if (runs.byThread.get(run.threadId)?.size === 0 && !threads.threads.get(run.threadId)?.activeRunId) {
      runs.byThread.delete(run.threadId);
      threads.threads.delete(run.threadId);
      events.lastSeq.delete(run.threadId);
      options.onThreadEvicted?.(run.threadId);
    }
  });
  const threads = new MemoryThreadStore(() => runs.admit());
  return { kind: "memory", runs, threads, events, feedback, ping: async () => {}, close: async () => {} };
}
