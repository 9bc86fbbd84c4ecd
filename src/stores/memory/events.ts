// Each thread's log in process memory: stream events and messages per run,
// ascending by seq.
import { isStoredMessage, type MessagePage, type MessagePageQuery, type NewEvent, type StoredEvent, type StoredMessage, type StoredStreamEvent } from "../../domain/events.js";
import { firstAfter } from "../../domain/seq.js";
import type { EventStore, EventPosition } from "../types.js";
import { sizeOf } from "./bytes.js";

function pushTo<T>(index: Map<string, T[]>, runId: string, row: T): void {
  let rows = index.get(runId);
  if (!rows) index.set(runId, (rows = []));
  rows.push(row);
}

/** One page of `rows` (ascending by seq) by ListRunMessages' rules: after `afterSeq`, else the last before `beforeSeq`. */
function pageOf(rows: readonly StoredMessage[], query: MessagePageQuery): MessagePage {
  if (query.afterSeq !== undefined) {
    const start = firstAfter(rows, query.afterSeq);
    const page = rows.slice(start, start + query.limit);
    return { rows: page, hasMore: start + query.limit < rows.length };
  }
  const end = query.beforeSeq !== undefined ? firstAfter(rows, query.beforeSeq - 1) : rows.length;
  const start = Math.max(0, end - query.limit);
  return { rows: rows.slice(start, end), hasMore: start > 0 };
}

export class MemoryEventStore implements EventStore {
  readonly lastSeq = new Map<string, number>();
  private readonly runEvents = new Map<string, StoredStreamEvent[]>();
  private readonly runMessages = new Map<string, StoredMessage[]>();
  /** The same message rows per thread, across its runs (seqs are per thread, so appending keeps them ascending). */
  private readonly threadMessages = new Map<string, StoredMessage[]>();

  /** `stored`: told each batch's size (JSON length) as it is kept, for the store's byte bound. */
  constructor(private readonly stored: (runId: string, bytes: number) => void = () => {}) {}

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
      if (isStoredMessage(row)) {
        pushTo(this.runMessages, runId, row);
        pushTo(this.threadMessages, threadId, row);
      } else pushTo(this.runEvents, runId, row);
    }
    if (stored.length > 0) this.stored(runId, sizeOf(stored));
    return stored;
  }

  async listRunEvents(runId: string, afterSeq: number, limit: number): Promise<StoredStreamEvent[]> {
    const rows = this.runEvents.get(runId);
    if (!rows) return [];
    const start = firstAfter(rows, afterSeq);
    return rows.slice(start, start + limit);
  }

  async listEventsOfRuns(positions: readonly EventPosition[], limit: number): Promise<StoredStreamEvent[]> {
    const out: StoredStreamEvent[] = [];
    for (const { runId, afterSeq } of [...positions].sort((a, b) => (a.runId < b.runId ? -1 : a.runId > b.runId ? 1 : 0))) {
      if (out.length >= limit) break;
      out.push(...(await this.listRunEvents(runId, afterSeq, limit - out.length)));
    }
    return out;
  }

  async pageMessages(runId: string, query: MessagePageQuery): Promise<MessagePage> {
    return pageOf(this.runMessages.get(runId) ?? [], query);
  }

  async pageThreadMessages(threadId: string, query: MessagePageQuery): Promise<MessagePage> {
    return pageOf(this.threadMessages.get(threadId) ?? [], query);
  }

  async hasMessage(runId: string, messageId: string): Promise<boolean> {
    return (this.runMessages.get(runId) ?? []).some((row) => row.data["id"] === messageId);
  }

  async deleteRun(runId: string): Promise<void> {
    this.runEvents.delete(runId);
    const threadId = this.runMessages.get(runId)?.[0]?.threadId;
    this.runMessages.delete(runId);
    const threadRows = threadId === undefined ? undefined : this.threadMessages.get(threadId);
    if (threadId === undefined || !threadRows) return;
    const kept = threadRows.filter((row) => row.runId !== runId);
    if (kept.length > 0) this.threadMessages.set(threadId, kept);
    else this.threadMessages.delete(threadId);
  }
}

