// Appends a run's rows to the store in order, batching whatever accumulates
// while the previous append is in flight (a group commit), and wakes local
// readers after each batch is stored. Every row carries an idempotency key,
// so a batch retried after a database hiccup is stored exactly once.
import type { EventStore } from "../../stores/types.js";
import type { NewEvent, StoredEvent } from "../../domain/events.js";
import type { EventBus } from "./event-bus.js";
import { retryUnavailable } from "../../stores/retry.js";

export class EventWriter {
  private queue: NewEvent[] = [];
  private flushing: Promise<void> | null = null;
  private failure: unknown = null;
  private counter = 0;
  private closed = false;

  constructor(
    private readonly store: EventStore,
    private readonly bus: EventBus,
    private readonly threadId: string,
    private readonly runId: string,
    private readonly retryBudgetMs: number,
    private readonly onFailure: (error: unknown) => void,
    /** Sees each stored batch before readers are woken. */
    private readonly onStored: (rows: StoredEvent[]) => void = () => {},
    /** Each row's idempotency key is `<keyPrefix>:<n>`. */
    private readonly keyPrefix: string = runId,
  ) {}

  add(event: NewEvent): void {
    if (this.failure || this.closed) return;
    this.queue.push({ ...event, key: `${this.keyPrefix}:${this.counter++}` });
    this.flushing ??= this.drain();
  }

  /**
   * Stops writing: waits for the batch in flight and hands back the rows still
   * queued, which the finisher stores with the run's `end` in one write.
   */
  async close(): Promise<NewEvent[]> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    const rest = this.queue;
    this.queue = [];
    if (this.failure) throw this.failure;
    return rest;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0 && !this.closed) {
        const batch = this.queue;
        this.queue = [];
        const stored = await retryUnavailable(() => this.store.append(this.threadId, this.runId, batch), this.retryBudgetMs);
        this.onStored(stored);
        this.bus.notify(this.runId);
      }
    } catch (error) {
      this.failure = error;
      this.queue = [];
      this.onFailure(error);
    } finally {
      this.flushing = null;
    }
  }
}
