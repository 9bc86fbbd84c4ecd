// The embedded store: everything in process memory, nothing to install.
import type { Stores } from "../types.js";
import { MemoryEventStore } from "./events.js";
import { MemoryFeedbackStore } from "./feedback.js";
import { MemoryRunStore } from "./runs.js";
import { MemoryThreadStore } from "./threads.js";

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
