// Threads in process memory. Each user's threads are also kept in one array
// sorted by (created time, id), so a SearchThreads page is a binary search to
// its start and a walk over the rows it returns (and those its filters skip),
// never a sort of all the user's threads.
import type { JsonObject, SettledThreadStatus, ThreadRecord } from "../../domain/records.js";
import { mergeMetadata, metadataEntries } from "../thread-metadata.js";
import type { ThreadPageQuery, ThreadPosition, ThreadStore } from "../types.js";
import { sizeOf, type ByteBudget } from "./bytes.js";

/** About what a thread's record costs beside its ids and metadata. */
const THREAD_RECORD_BYTES = 200;

interface StoredThread {
  threadId: string;
  userId: string;
  metadata: JsonObject;
  /** metadataEntries(metadata), what the search filter matches. */
  entries: Set<string>;
  /** How the last run left it; busy comes from activeRunId. */
  settled: SettledThreadStatus;
  activeRunId: string | null;
  /** An acquire was refused while a run held it: runs may be queued (see ThreadStore.release). */
  queued: boolean;
  createdAt: Date;
  updatedAt: Date;
  deleting: boolean;
}

/** Negative when `a` sorts before the position (older, or as old with a smaller id). */
function compare(a: ThreadPosition, b: ThreadPosition): number {
  return a.createdAt.getTime() - b.createdAt.getTime() || (a.threadId < b.threadId ? -1 : a.threadId > b.threadId ? 1 : 0);
}

/** The index of the first row not before `position`. */
function lowerBound(rows: StoredThread[], position: ThreadPosition): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compare(rows[mid]!, position) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function toRecord(t: StoredThread): ThreadRecord {
  return {
    threadId: t.threadId,
    userId: t.userId,
    metadata: structuredClone(t.metadata),
    status: t.activeRunId !== null ? "busy" : t.settled,
    activeRunId: t.activeRunId,
    createdAt: t.createdAt,
    updatedAt: t.updatedAt,
    ...(t.deleting && { deleting: true as const }),
  };
}

export class MemoryThreadStore implements ThreadStore {
  readonly threads = new Map<string, StoredThread>();
  /** Each user's threads not being deleted, ascending by (createdAt, threadId). */
  private readonly byUser = new Map<string, StoredThread[]>();

  /**
   * `budget`: a thread's record and metadata count against the byte bound (under
   * `thread:<id>`, no run id), so threads CreateThread made with no run, which
   * eviction never frees, cannot outgrow it: once only they and active runs
   * are left, new threads and runs get STORE_FULL.
   */
  constructor(
    private readonly admit: () => void,
    private readonly budget?: ByteBudget,
  ) {}

  private count(thread: StoredThread): void {
    const key = `thread:${thread.threadId}`;
    this.budget?.drop(key);
    this.budget?.add(key, sizeOf(thread.metadata) + thread.threadId.length + thread.userId.length + THREAD_RECORD_BYTES);
  }

  private insert(threadId: string, userId: string, metadata: JsonObject): StoredThread {
    const now = new Date();
    const thread: StoredThread = {
      threadId,
      userId,
      metadata: structuredClone(metadata),
      entries: new Set(metadataEntries(metadata)),
      settled: "idle",
      activeRunId: null,
      queued: false,
      createdAt: now,
      updatedAt: now,
      deleting: false,
    };
    this.threads.set(threadId, thread);
    let rows = this.byUser.get(userId);
    if (!rows) this.byUser.set(userId, (rows = []));
    rows.splice(lowerBound(rows, thread), 0, thread);
    this.count(thread);
    return thread;
  }

  private unlist(thread: StoredThread): void {
    const rows = this.byUser.get(thread.userId);
    if (!rows) return;
    const at = lowerBound(rows, thread);
    if (rows[at] === thread) rows.splice(at, 1);
    if (rows.length === 0) this.byUser.delete(thread.userId);
  }

  /** Forgets a thread entirely (the memory bound evicted its last run). */
  drop(threadId: string): void {
    const thread = this.threads.get(threadId);
    if (!thread) return;
    this.threads.delete(threadId);
    this.unlist(thread);
    this.budget?.drop(`thread:${threadId}`);
  }

  async ensure(threadId: string, userId: string): Promise<ThreadRecord> {
    // A run's creation starts here, before anything is written: refusing now
    // (not only in runs.insert) leaves no new empty thread behind the refusal.
    this.admit();
    return toRecord(this.threads.get(threadId) ?? this.insert(threadId, userId, {}));
  }

  async get(threadId: string): Promise<ThreadRecord | null> {
    const thread = this.threads.get(threadId);
    return thread ? toRecord(thread) : null;
  }

  async getOwned(threadId: string, userId: string): Promise<ThreadRecord | null> {
    const thread = this.threads.get(threadId);
    return thread?.userId === userId ? toRecord(thread) : null;
  }

  async create(threadId: string, userId: string, metadata: JsonObject): Promise<{ created: boolean; thread: ThreadRecord }> {
    const existing = this.threads.get(threadId);
    if (existing) return { created: false, thread: toRecord(existing) };
    this.admit();
    return { created: true, thread: toRecord(this.insert(threadId, userId, metadata)) };
  }

  async updateMetadata(threadId: string, userId: string, patch: JsonObject, accept?: (merged: JsonObject) => void): Promise<ThreadRecord | null> {
    const thread = this.threads.get(threadId);
    if (!thread || thread.userId !== userId || thread.deleting) return null;
    const merged = mergeMetadata(thread.metadata, structuredClone(patch));
    accept?.(merged);
    thread.metadata = merged;
    this.count(thread);
    thread.entries = new Set(metadataEntries(thread.metadata));
    thread.updatedAt = new Date();
    return toRecord(thread);
  }

  async markDeleting(threadId: string, userId: string): Promise<boolean> {
    const thread = this.threads.get(threadId);
    if (!thread || thread.userId !== userId || thread.activeRunId !== null) return false;
    if (!thread.deleting) this.unlist(thread);
    thread.deleting = true;
    return true;
  }

  async delete(threadId: string, userId: string): Promise<void> {
    if (this.threads.get(threadId)?.userId === userId) this.drop(threadId);
  }

  async page(query: ThreadPageQuery): Promise<ThreadRecord[]> {
    const rows = this.byUser.get(query.userId) ?? [];
    const wanted = metadataEntries(query.metadata);
    const statuses = new Set(query.statuses);
    const found: ThreadRecord[] = [];
    for (let i = (query.after ? lowerBound(rows, query.after) : rows.length) - 1; i >= 0 && found.length < query.limit; i--) {
      const thread = rows[i]!;
      const status = thread.activeRunId !== null ? "busy" : thread.settled;
      if (statuses.size > 0 && !statuses.has(status)) continue;
      if (wanted.every((entry) => thread.entries.has(entry))) found.push(toRecord(thread));
    }
    return found;
  }

  async claim(threadId: string, userId: string, runId: string): Promise<{ thread: ThreadRecord; acquired: boolean }> {
    const thread = await this.ensure(threadId, userId);
    const acquired = thread.userId === userId && (await this.acquire(threadId, runId));
    return { thread: (await this.get(threadId)) ?? thread, acquired };
  }

  async acquire(threadId: string, runId: string): Promise<boolean> {
    const thread = this.threads.get(threadId);
    if (thread && thread.activeRunId !== null && thread.activeRunId !== runId) thread.queued = true;
    if (!thread || thread.deleting || thread.activeRunId !== null) return thread?.activeRunId === runId;
    thread.activeRunId = runId;
    thread.updatedAt = new Date();
    return true;
  }

  async release(threadId: string, runId: string, status?: SettledThreadStatus): Promise<boolean> {
    const thread = this.threads.get(threadId);
    if (thread?.activeRunId === runId) {
      thread.activeRunId = null;
      if (status) thread.settled = status;
      thread.updatedAt = new Date();
    }
    return thread?.queued ?? false;
  }

  async clearQueued(threadId: string): Promise<void> {
    const thread = this.threads.get(threadId);
    if (thread?.activeRunId === null) thread.queued = false;
  }
}
