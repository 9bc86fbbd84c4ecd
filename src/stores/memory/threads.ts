// Threads in process memory.
import type { ThreadRecord } from "../../domain/records.js";
import type { ThreadStore } from "../types.js";

export class MemoryThreadStore implements ThreadStore {
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

