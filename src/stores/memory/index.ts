// The embedded store: everything in process memory, nothing to install.
import type { Stores } from "../types.js";
import { ByteBudget } from "./bytes.js";
import { MemoryEventStore } from "./events.js";
import { MemoryFeedbackStore } from "./feedback.js";
import { MemoryRunStore } from "./runs.js";
import { MemoryThreadStore } from "./threads.js";
import { MemoryWebhookStore } from "./webhooks.js";

export interface MemoryStoreOptions {
  /**
   * Runs kept (with their events, messages and feedback); beyond it the oldest finished ones go.
   * Active runs are never evicted: when they alone fill it, new ones get StoreFullError.
   */
  maxRuns?: number;
  /**
   * Bytes kept (runs' records, events and messages, by JSON length, plus `checkpointBytes`); beyond
   * it the oldest finished runs go as for maxRuns, and while active runs alone hold it new ones are refused.
   */
  maxBytes?: number;
  /** What the checkpointer holds now: counted against maxBytes, freed when a thread's last run goes. */
  checkpointBytes?: () => number;
  /** Called when a thread's last run was evicted (to drop its checkpoints too). */
  onThreadEvicted?: (threadId: string) => void;
}

export function createMemoryStores(options: MemoryStoreOptions = {}): Stores {
  const budget = new ByteBudget(options.maxBytes ?? Number.POSITIVE_INFINITY, options.checkpointBytes);
  // A run's events and messages count from the batch they arrive in; one evicted already (its late `end`) is not counted.
  const events = new MemoryEventStore((runId, bytes) => runs.runs.has(runId) && budget.add(runId, bytes));
  const feedback = new MemoryFeedbackStore();
  const runs: MemoryRunStore = new MemoryRunStore(options.maxRuns ?? Number.POSITIVE_INFINITY, (run) => {
    void events.deleteRun(run.runId);
    void feedback.deleteByRun(run.runId);
    if (runs.byThread.get(run.threadId)?.size === 0 && !threads.threads.get(run.threadId)?.activeRunId) {
      runs.byThread.delete(run.threadId);
      threads.drop(run.threadId);
      events.lastSeq.delete(run.threadId);
      options.onThreadEvicted?.(run.threadId);
    }
  }, budget);
  const threads = new MemoryThreadStore(() => runs.admit(), budget);
  return { kind: "memory", runs, threads, events, feedback, webhooks: new MemoryWebhookStore(), ping: async () => {}, close: async () => {} };
}
