// Runs in process memory, bounded: finished runs are evicted oldest-finished
// first; active ones never are, so past the bound new runs are refused.
import { DuplicateError, StoreFullError } from "../../domain/errors.js";
import { ACTIVE_STATUSES, TERMINAL_STATUSES, type RunRecord, type RunStatus } from "../../domain/records.js";
import type { RunPageQuery, RunStore, UserSlot } from "../types.js";
import { ByteBudget, sizeOf, StoreBytesFullError } from "./bytes.js";
import { RunPageIndex } from "./run-index.js";

export class MemoryRunStore implements RunStore {
  readonly runs = new Map<string, RunRecord>();
  readonly byThread = new Map<string, Set<string>>();
  /** Pending or running runs: never evicted, so they alone decide when the store is full. */
  private active = 0;
  /** Finished runs in the order they finished, consumed from `head` so evicting costs O(1) per run. */
  private finished: string[] = [];
  private head = 0;
  /** Each user's active-run slots: the runs holding them (see takeUserSlot). */
  private readonly slots = new Map<string, Map<string, Date>>();
  /** Runs marked by markDeleting: stored until delete, invisible to every read. */
  private readonly deleting = new Set<string>();
  /** ListRuns' order per user and per (user, thread); an entry counts only while it matches the stored run. */
  private readonly pages = new RunPageIndex((runId, at) => {
    const run = this.runs.get(runId);
    return run && run.createdAt.getTime() === at ? run : undefined;
  });

  constructor(
    private readonly maxRuns: number,
    private readonly evicted: (run: RunRecord) => void,
    readonly budget: ByteBudget = new ByteBudget(Number.POSITIVE_INFINITY),
  ) {}

  /** Throws StoreFullError when one more active run would not fit (by count, or by bytes once finished runs are evicted). */
  admit(): void {
    if (this.active >= this.maxRuns) throw new StoreFullError(this.maxRuns);
    if (this.budget.over()) this.evictBeyondBound();
    if (this.budget.over()) throw new StoreBytesFullError(this.budget.max);
  }

  async insert(run: RunRecord): Promise<void> {
    if (this.runs.has(run.runId)) throw new DuplicateError("run_id");
    if (ACTIVE_STATUSES.includes(run.status)) this.admit();
    this.runs.set(run.runId, { ...run });
    this.budget.add(run.runId, sizeOf(run));
    let ids = this.byThread.get(run.threadId);
    if (!ids) this.byThread.set(run.threadId, (ids = new Set()));
    ids.add(run.runId);
    this.pages.added(run);
    this.statusChanged(run.runId, null, run.status);
    this.evictBeyondBound();
  }

  /** Keeps the active count and the eviction queue in step with a status change (`was` null: inserted). */
  private statusChanged(runId: string, was: RunStatus | null, now: RunStatus): void {
    const wasActive = was !== null && ACTIVE_STATUSES.includes(was);
    if (wasActive) this.active--;
    if (ACTIVE_STATUSES.includes(now)) this.active++;
    else if ((was === null || wasActive) && (Number.isFinite(this.maxRuns) || Number.isFinite(this.budget.max))) this.finished.push(runId);
  }

  /** Active runs never exceed maxRuns (admit), so finished ones always suffice to get back to the count bound; bytes may stay over it (admit refuses then). */
  private evictBeyondBound(): void {
    while ((this.runs.size > this.maxRuns || this.budget.over()) && this.head < this.finished.length) {
      const run = this.runs.get(this.finished[this.head++]!);
      // Deleted since, or active again (it is queued anew when it finishes).
      if (!run || ACTIVE_STATUSES.includes(run.status)) continue;
      this.runs.delete(run.runId);
      this.byThread.get(run.threadId)?.delete(run.runId);
      this.budget.drop(run.runId);
      this.deleting.delete(run.runId);
      this.pages.removed(run);
      this.evicted(run);
    }
    if (this.head > 4096 && this.head * 2 > this.finished.length) {
      this.finished = this.finished.slice(this.head);
      this.head = 0;
    }
  }

  async get(runId: string): Promise<RunRecord | null> {
    const run = this.runs.get(runId);
    return run && !this.deleting.has(runId) ? { ...run } : null;
  }

  async getMany(runIds: readonly string[], userId?: string): Promise<RunRecord[]> {
    const found: RunRecord[] = [];
    for (const runId of new Set(runIds)) {
      const run = userId === undefined ? await this.get(runId) : await this.getOwned(runId, userId);
      if (run) found.push(run);
    }
    return found;
  }

  async getOwned(runId: string, userId: string): Promise<RunRecord | null> {
    const run = this.runs.get(runId);
    return run && run.userId === userId && !this.deleting.has(runId) ? { ...run } : null;
  }

  async page(query: RunPageQuery): Promise<RunRecord[]> {
    return this.pages.page(query, (run) => !this.deleting.has(run.runId)).map((run) => ({ ...run }));
  }

  async markDeleting(runId: string, userId: string): Promise<RunRecord | null> {
    const run = this.runs.get(runId);
    if (!run || run.userId !== userId) return null;
    if (!this.deleting.has(runId) && !TERMINAL_STATUSES.includes(run.status)) return null;
    this.deleting.add(runId);
    return { ...run };
  }

  async listDeleting(limit: number): Promise<RunRecord[]> {
    const out: RunRecord[] = [];
    for (const runId of this.deleting) {
      if (out.length >= limit) break;
      const run = this.runs.get(runId);
      if (run) out.push({ ...run });
    }
    return out;
  }

  async update(runId: string, patch: Partial<RunRecord>, ifStatus?: readonly RunStatus[], ifLeaseBefore?: Date, ifOwner?: string): Promise<RunRecord | null> {
    const run = this.runs.get(runId);
    if (!run) return null;
    if (ifStatus && !ifStatus.includes(run.status)) return null;
    if (ifLeaseBefore && !(run.leaseUntil && run.leaseUntil < ifLeaseBefore)) return null;
    if (ifOwner !== undefined && run.ownerId !== ifOwner) return null;
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
    this.budget.drop(runId);
    this.deleting.delete(runId);
    this.pages.removed(run);
  }

  async listByThread(threadId: string, statuses: readonly RunStatus[], limit = Number.POSITIVE_INFINITY): Promise<RunRecord[]> {
    const found: RunRecord[] = [];
    for (const id of this.byThread.get(threadId) ?? []) {
      const run = this.runs.get(id);
      if (run && statuses.includes(run.status)) found.push(run);
    }
    // Only what is returned is copied (a create asks for one run of a thread that may have thousands queued);
    // for one, the oldest is picked without sorting (the first inserted of equals, as the stable sort would).
    const oldest = limit === 1 ? found.reduce<RunRecord[]>((min, run) => (min[0] && min[0].createdAt <= run.createdAt ? min : [run]), []) : null;
    const picked = oldest ?? found.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()).slice(0, limit);
    return picked.map((run) => ({ ...run }));
  }

  async latestByThread(threadId: string): Promise<RunRecord | null> {
    let latest: RunRecord | null = null;
    // Of equal creation times the last inserted counts as the latest.
    for (const id of this.byThread.get(threadId) ?? []) {
      const run = this.runs.get(id);
      if (run && (!latest || run.createdAt >= latest.createdAt)) latest = run;
    }
    return latest && { ...latest };
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

  async takeUserSlot(userId: string, runId: string, limit: number): Promise<boolean> {
    const held = this.slots.get(userId) ?? new Map<string, Date>();
    if (held.size >= limit) return false;
    this.slots.set(userId, held.set(runId, new Date()));
    return true;
  }

  async releaseUserSlot(userId: string, runId: string): Promise<void> {
    const held = this.slots.get(userId);
    held?.delete(runId);
    if (held?.size === 0) this.slots.delete(userId);
  }

  async userSlots(userId: string): Promise<UserSlot[]> {
    return [...(this.slots.get(userId) ?? [])].map(([runId, takenAt]) => ({ runId, takenAt }));
  }
}

