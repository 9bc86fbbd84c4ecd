// The run_events collection: every thread's log (stream events and messages)
// under one unique (thread_id, seq) index that allocates seqs.
import type { Collection } from "mongodb";
import type { MessagePage, MessagePageQuery, NewEvent, StoredEvent, StoredMessage, StoredStreamEvent } from "../../domain/events.js";
import type { StreamModeName } from "../../domain/records.js";
import type { EventStore, EventPosition } from "../types.js";
import { isDuplicateKey } from "./guard.js";
import { INDEXES } from "./indexes.js";

export interface EventDoc {
  _id: string;
  thread_id: string;
  seq: number;
  run_id: string;
  cat: "event" | "message";
  kind: StoredEvent["kind"];
  mode?: StreamModeName;
  namespace?: string[];
  message_id?: string;
  data: string;
  created_at: Date;
}

/** The document's row; its kind, mode and data were written together by toEventDoc, so they agree. */
function fromEventDoc(doc: EventDoc): StoredEvent {
  const place = { threadId: doc.thread_id, runId: doc.run_id, seq: doc.seq, createdAt: doc.created_at, key: doc._id };
  const data: unknown = JSON.parse(doc.data);
  if (doc.kind === "part") return { ...place, kind: "part", mode: doc.mode ?? "values", namespace: doc.namespace ?? [], data: data as never };
  return { ...place, kind: doc.kind, data } as StoredEvent;
}

const fromMessageDoc = (doc: EventDoc) => fromEventDoc(doc) as StoredMessage;

function toEventDoc(e: NewEvent, id: string, threadId: string, runId: string, seq: number, createdAt: Date): EventDoc {
  const doc: EventDoc = {
    _id: id,
    thread_id: threadId,
    seq,
    run_id: runId,
    cat: e.kind === "message" ? "message" : "event",
    kind: e.kind,
    data: JSON.stringify(e.data),
    created_at: createdAt,
  };
  if (e.kind === "part") {
    doc.mode = e.mode;
    if (e.namespace.length) doc.namespace = e.namespace;
  }
  if (e.kind === "message" && typeof e.data["id"] === "string") doc.message_id = e.data["id"];
  return doc;
}

/** Where an ordered insert stopped on a seq another writer holds (the seq index, not a duplicate _id); null otherwise. */
function seqTakenAt(error: unknown): number | null {
  const first = (error as { writeErrors?: Array<{ index?: number; errmsg?: string }> }).writeErrors?.[0];
  if (typeof first?.index !== "number" || !first.errmsg?.includes(`index: ${INDEXES.eventsBySeq.name} `)) return null;
  return first.index;
}

export class MongoEventStore implements EventStore {
  /** The last seq this process wrote per thread; a guess, corrected on conflict. */
  private readonly lastSeq = new Map<string, number>();
  private idCounter = 0;
  private readonly idPrefix = `${process.pid.toString(36)}${Date.now().toString(36)}`;

  constructor(
    private readonly events: Collection<EventDoc>,
    /** The guess is kept for this many recently written threads; a forgotten thread costs one seq lookup on its next append. */
    private readonly rememberThreads = 10_000,
  ) {}

  private async maxSeq(threadId: string): Promise<number> {
    const [last] = await this.events.find({ thread_id: threadId }).sort({ seq: -1 }).limit(1).hint(INDEXES.eventsBySeq.name).toArray();
    return last?.seq ?? 0;
  }

  async append(threadId: string, runId: string, events: NewEvent[]): Promise<StoredEvent[]> {
    const stored: StoredEvent[] = [];
    let pending = events;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 50) throw new Error(`could not allocate seqs on thread ${threadId}`);
      // A thread this process has not written to is guessed empty (a new thread, the common case, costs
      // no lookup); a wrong guess fails on the unique index and the retry reads its maximum.
      const base = this.lastSeq.get(threadId) ?? (attempt === 0 ? 0 : await this.maxSeq(threadId));
      const createdAt = new Date();
      const docs = pending.map((e, i) => toEventDoc(e, e.key ?? `${this.idPrefix}-${(this.idCounter++).toString(36)}`, threadId, runId, base + i + 1, createdAt));
      try {
        await this.events.insertMany(docs, { ordered: true });
        this.rememberSeq(threadId, base + docs.length);
        stored.push(...docs.map(fromEventDoc));
        pending = [];
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        this.lastSeq.delete(threadId);
        // Ordered: the rows before the one that hit a taken seq are stored, the rest are not.
        const taken = seqTakenAt(error);
        if (taken !== null) {
          stored.push(...docs.slice(0, taken).map(fromEventDoc));
          pending = pending.slice(taken);
          continue;
        }
        // An earlier attempt that timed out did land (a duplicate _id): keep what is stored, retry the rest above the new maximum.
        const landed = await this.events.find({ _id: { $in: docs.map((d) => d._id) } }).toArray();
        const landedIds = new Set(landed.map((d) => d._id));
        stored.push(...landed.map(fromEventDoc));
        pending = pending.filter((_, i) => !landedIds.has(docs[i]!._id));
        this.lastSeq.delete(threadId);
      }
    }
    return stored.sort((a, b) => a.seq - b.seq);
  }

  /** Most recently written last (Map keeps insertion order), so the oldest guesses go first. */
  private rememberSeq(threadId: string, seq: number): void {
    this.lastSeq.delete(threadId);
    this.lastSeq.set(threadId, seq);
    if (this.lastSeq.size > this.rememberThreads) this.lastSeq.delete(this.lastSeq.keys().next().value!);
  }

  /** How many threads' last seqs this process remembers (bounded). */
  get rememberedThreads(): number {
    return this.lastSeq.size;
  }

  async listRunEvents(runId: string, afterSeq: number, limit: number): Promise<StoredStreamEvent[]> {
    const docs = await this.events
      .find({ run_id: String(runId), cat: "event", seq: { $gt: afterSeq } })
      .sort({ seq: 1 })
      .limit(limit)
      .hint(INDEXES.eventsByRun.name)
      .toArray();
    return docs.map(fromEventDoc) as StoredStreamEvent[];
  }

  /** Each position one $or branch on the (run_id, cat, seq) index: a range per run, not one over all. */
  async listEventsOfRuns(positions: readonly EventPosition[], limit: number): Promise<StoredStreamEvent[]> {
    if (positions.length === 0) return [];
    const docs = await this.events
      .find({ cat: "event", $or: positions.map((p) => ({ run_id: String(p.runId), seq: { $gt: p.afterSeq } })) })
      .sort({ run_id: 1, seq: 1 })
      .limit(limit)
      .hint(INDEXES.eventsByRun.name)
      .toArray();
    return docs.map(fromEventDoc) as StoredStreamEvent[];
  }

  async pageMessages(runId: string, query: MessagePageQuery): Promise<MessagePage> {
    return this.pageOf({ run_id: String(runId), cat: "message" }, INDEXES.eventsByRun.name, query);
  }

  async pageThreadMessages(threadId: string, query: MessagePageQuery): Promise<MessagePage> {
    return this.pageOf({ thread_id: String(threadId), cat: "message" }, INDEXES.eventsThreadMessages.name, query);
  }

  /** One page of the messages `filter` selects by ListRunMessages' rules: one row more than asked tells whether there are more. */
  private async pageOf(filter: Record<string, unknown>, hint: string, query: MessagePageQuery): Promise<MessagePage> {
    if (query.afterSeq !== undefined) {
      const docs = await this.events.find({ ...filter, seq: { $gt: query.afterSeq } }).sort({ seq: 1 }).limit(query.limit + 1).hint(hint).toArray();
      return { rows: docs.slice(0, query.limit).map(fromMessageDoc), hasMore: docs.length > query.limit };
    }
    const before = query.beforeSeq !== undefined ? { ...filter, seq: { $lt: query.beforeSeq } } : filter;
    const docs = await this.events.find(before).sort({ seq: -1 }).limit(query.limit + 1).hint(hint).toArray();
    return { rows: docs.slice(0, query.limit).reverse().map(fromMessageDoc), hasMore: docs.length > query.limit };
  }

  async hasMessage(runId: string, messageId: string): Promise<boolean> {
    const doc = await this.events.findOne({ run_id: String(runId), cat: "message", message_id: String(messageId) }, { hint: INDEXES.eventsByRun.name });
    return doc !== null;
  }

  async deleteRun(runId: string): Promise<void> {
    await this.events.deleteMany({ run_id: String(runId) });
  }
}

