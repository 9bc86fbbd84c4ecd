// The stored stream events of runs executing here, complete from their first
// event: local readers tail these instead of querying the database. A
// finished run's events linger a little for readers still catching up.
import type { StoredEvent, StoredStreamEvent } from "../../domain/events.js";
import { sliceAfter } from "../../domain/seq.js";

const LINGER_MS = 2_000;

export class EventCache {
  private readonly buffers = new Map<string, StoredStreamEvent[]>();

  has(runId: string): boolean {
    return this.buffers.has(runId);
  }

  start(runId: string, rows: StoredStreamEvent[]): void {
    this.buffers.set(runId, [...rows]);
  }

  /** Adds stored rows of a cached run (messages are not stream events and are left out). */
  add(runId: string, rows: StoredEvent[]): void {
    const buffer = this.buffers.get(runId);
    if (!buffer) return;
    for (const row of rows) {
      if (row.kind === "message") continue;
      if (buffer.length === 0 || row.seq > buffer[buffer.length - 1]!.seq) buffer.push(row);
    }
  }

  /** Up to `limit` events after `afterSeq`, or null when the run is not cached here. */
  after(runId: string, afterSeq: number, limit: number): StoredStreamEvent[] | null {
    const buffer = this.buffers.get(runId);
    return buffer ? sliceAfter(buffer, afterSeq, limit) : null;
  }

  /** Drops a finished run's events once late readers had their chance. */
  linger(runId: string): void {
    setTimeout(() => this.buffers.delete(runId), LINGER_MS).unref();
  }
}
