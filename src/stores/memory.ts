// The embedded store: everything in process memory, nothing to install.
import {
  DuplicateError,
  isJsonObject,
  type EventStore,
  type FeedbackRecord,
  type FeedbackStore,
  type MessagePage,
  type MessagePageQuery,
  type NewEvent,
  type RunRecord,
  type RunStatus,
  type RunStore,
  type StoredEvent,
  type Stores,
  type ThreadRecord,
  type ThreadStore,
  ACTIVE_STATUSES,
} from "./types.js";
import { firstAfter } from "./seq.js";

class MemoryRunStore implements RunStore {
  readonly runs = new Map<string, RunRecord>();
  readonly byThread = new Map<string, Set<string>>();

  constructor(private readonly afterInsert: (runId: string) => void) {}

  async insert(run: RunRecord): Promise<void> {
    if (this.runs.has(run.runId)) throw new DuplicateError("run_id");
    this.runs.set(run.runId, { ...run });
    let ids = this.byThread.get(run.threadId);
    if (!ids) this.byThread.set(run.threadId, (ids = new Set()));
    ids.add(run.runId);
    this.afterInsert(run.runId);
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
    Object.assign(run, patch, { runId: run.runId, threadId: run.threadId });
    return { ...run };
  }

  async delete(runId: string): Promise<void> {
    const run = this.runs.get(runId);
    if (!run) return;
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

  async listExpired(now: Date, limit: number): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    for (const run of this.runs.values()) {
      if (out.length >= limit) break;
      if (ACTIVE_STATUSES.includes(run.status) && run.leaseUntil && run.leaseUntil < now) out.push({ ...run });
    }
    return out;
  }

  async listPendingBefore(before: Date, limit: number): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    for (const run of this.runs.values()) {
      if (out.length >= limit) break;
      if (run.status === "pending" && run.createdAt < before) out.push({ ...run });
    }
    return out;
  }

  async countActiveByUser(userId: string): Promise<number> {
    let n = 0;
    for (const run of this.runs.values()) if (run.userId === userId && ACTIVE_STATUSES.includes(run.status)) n++;
    return n;
  }
}

class MemoryThreadStore implements ThreadStore {
  readonly threads = new Map<string, ThreadRecord>();

  async ensure(threadId: string, userId: string): Promise<ThreadRecord> {
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

class MemoryEventStore implements EventStore {
  readonly lastSeq = new Map<string, number>();
  private readonly runEvents = new Map<string, StoredEvent[]>();
  private readonly runMessages = new Map<string, StoredEvent[]>();

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
      const index = row.kind === "message" ? this.runMessages : this.runEvents;
      let rows = index.get(runId);
      if (!rows) index.set(runId, (rows = []));
      rows.push(row);
    }
    return stored;
  }

  async listRunEvents(runId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
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
    return (this.runMessages.get(runId) ?? []).some(
      (row) => isJsonObject(row.data) && row.data["id"] === messageId,
    );
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
   * Runs kept (with their events, messages and feedback); beyond it the oldest
   * finished ones go, so memory stays bounded however long the process lives.
   */
  maxRuns?: number;
  /** Called when a thread's last run was evicted (to drop its checkpoints too). */
  onThreadEvicted?: (threadId: string) => void;
}

export function createMemoryStores(options: MemoryStoreOptions = {}): Stores {
  const maxRuns = options.maxRuns ?? Number.POSITIVE_INFINITY;
  const threads = new MemoryThreadStore();
  const events = new MemoryEventStore();
  const feedback = new MemoryFeedbackStore();
  // Runs in insertion order; evicting takes from the head, so it costs O(1) per run.
  let order: string[] = [];
  let head = 0;
  const evict = () => {
    while (runs.runs.size > maxRuns && head < order.length) {
      const runId = order[head++]!;
      const run = runs.runs.get(runId);
      if (!run) continue;
      if (ACTIVE_STATUSES.includes(run.status)) {
        order.push(runId); // still running: look again later
        continue;
      }
      runs.runs.delete(run.runId);
      void events.deleteRun(run.runId);
      void feedback.deleteByRun(run.runId);
      const siblings = runs.byThread.get(run.threadId);
      siblings?.delete(run.runId);
      const thread = threads.threads.get(run.threadId);
      if (siblings?.size === 0 && !thread?.activeRunId) {
        runs.byThread.delete(run.threadId);
        threads.threads.delete(run.threadId);
        events.lastSeq.delete(run.threadId);
        options.onThreadEvicted?.(run.threadId);
      }
    }
    if (head > 4096 && head * 2 > order.length) {
      order = order.slice(head);
      head = 0;
    }
  };
  const runs = new MemoryRunStore((runId) => {
    if (Number.isFinite(maxRuns)) {
      order.push(runId);
      evict();
    }
  });
  return {
    kind: "memory",
    runs,
    threads,
    events,
    feedback,
    ping: async () => {},
    close: async () => {},
  };
}
