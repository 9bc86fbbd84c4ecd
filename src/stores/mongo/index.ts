// The MongoDB store: runs, run_events, feedback and threads collections plus
// MongoDBSaver's checkpoints, over the official driver. It relies only on what
// every deployment guarantees: single-document atomic updates and unique
// indexes (no transactions, no change streams). User JSON is stored as JSON
// text, so keys with "." or a leading "$" are data, never operators.
import { MongoClient, type Collection, type Db } from "mongodb";
import { MongoDBSaver } from "@langchain/langgraph-checkpoint-mongodb";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Logger } from "pino";
import type { Config } from "../../config.js";
import {
  ACTIVE_STATUSES,
  DuplicateError,
  isJsonObject,
  type EventStore,
  type FeedbackRecord,
  type FeedbackStore,
  type JsonObject,
  type JsonValue,
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
} from "../types.js";
import { bounded, guard, isDuplicateKey } from "./guard.js";
import { retryUnavailable } from "../../runtime/retry.js";

/**
 * MongoDBSaver's writes are upserts keyed by checkpoint id, so retrying them
 * is safe: bound each call and ride out a short outage instead of failing runs.
 */
function resilientSaver(saver: MongoDBSaver, timeoutMs: number): MongoDBSaver {
  const retried = new Set(["getTuple", "put", "putWrites", "deleteThread"]);
  return new Proxy(saver, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function" || !retried.has(String(key))) return value;
      return (...args: unknown[]) =>
        retryUnavailable(() => bounded(() => value.apply(target, args), timeoutMs, `checkpoint ${String(key)}`), 120_000);
    },
  });
}

/** The index each query is meant to use on real MongoDB (passed as a hint). */
export const INDEXES = {
  runsByThread: { name: "runs_by_thread", key: { thread_id: 1, status: 1, created_at: 1 } },
  runsByLease: { name: "runs_by_lease", key: { status: 1, lease_until: 1 } },
  runsPending: { name: "runs_pending", key: { status: 1, created_at: 1 } },
  runsByUser: { name: "runs_by_user", key: { user_id: 1, status: 1 } },
  eventsBySeq: { name: "events_thread_seq", key: { thread_id: 1, seq: 1 }, unique: true },
  eventsByRun: { name: "events_by_run", key: { run_id: 1, cat: 1, seq: 1 } },
  feedbackByRunUser: { name: "feedback_run_user", key: { run_id: 1, user_id: 1 }, unique: true },
} as const;

interface RunDoc {
  _id: string;
  thread_id: string;
  assistant_id: string;
  user_id: string;
  status: RunStatus;
  metadata: string;
  multitask_strategy: RunRecord["multitaskStrategy"];
  kwargs: string;
  error: RunRecord["error"];
  created_at: Date;
  updated_at: Date;
  owner_id: string | null;
  lease_until: Date | null;
  cancel_requested: RunRecord["cancelRequested"];
}

interface ThreadDoc {
  _id: string;
  user_id: string;
  active_run_id: string | null;
  created_at: Date;
  updated_at: Date;
}

interface EventDoc {
  _id: string;
  thread_id: string;
  seq: number;
  run_id: string;
  cat: "event" | "message";
  kind: StoredEvent["kind"];
  mode?: StoredEvent["mode"];
  namespace?: string[];
  message_id?: string;
  data: string;
  created_at: Date;
}

interface FeedbackDoc {
  _id: string;
  run_id: string;
  thread_id: string;
  user_id: string;
  message_id: string | null;
  rating: 1 | -1;
  comment: string | null;
  created_at: Date;
}

const RUN_FIELDS: Record<string, keyof RunDoc> = {
  status: "status",
  metadata: "metadata",
  error: "error",
  updatedAt: "updated_at",
  ownerId: "owner_id",
  leaseUntil: "lease_until",
  cancelRequested: "cancel_requested",
  kwargs: "kwargs",
};

function toRunDoc(run: RunRecord): RunDoc {
  return {
    _id: run.runId,
    thread_id: run.threadId,
    assistant_id: run.assistantId,
    user_id: run.userId,
    status: run.status,
    metadata: JSON.stringify(run.metadata),
    multitask_strategy: run.multitaskStrategy,
    kwargs: JSON.stringify(run.kwargs),
    error: run.error,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    owner_id: run.ownerId,
    lease_until: run.leaseUntil,
    cancel_requested: run.cancelRequested,
  };
}

function fromRunDoc(doc: RunDoc): RunRecord {
  return {
    runId: doc._id,
    threadId: doc.thread_id,
    assistantId: doc.assistant_id,
    userId: doc.user_id,
    status: doc.status,
    metadata: JSON.parse(doc.metadata) as JsonObject,
    multitaskStrategy: doc.multitask_strategy,
    kwargs: JSON.parse(doc.kwargs) as RunRecord["kwargs"],
    error: doc.error ?? null,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    ownerId: doc.owner_id ?? null,
    leaseUntil: doc.lease_until ?? null,
    cancelRequested: doc.cancel_requested ?? null,
  };
}

class MongoRunStore implements RunStore {
  constructor(private readonly runs: Collection<RunDoc>) {}

  async insert(run: RunRecord): Promise<void> {
    try {
      await this.runs.insertOne(toRunDoc(run));
    } catch (error) {
      if (isDuplicateKey(error)) throw new DuplicateError("run_id");
      throw error;
    }
  }

  async get(runId: string): Promise<RunRecord | null> {
    const doc = await this.runs.findOne({ _id: String(runId) });
    return doc ? fromRunDoc(doc) : null;
  }

  async update(runId: string, patch: Partial<RunRecord>, ifStatus?: readonly RunStatus[], ifLeaseBefore?: Date): Promise<RunRecord | null> {
    const set: Partial<RunDoc> = {};
    for (const [key, value] of Object.entries(patch)) {
      const field = RUN_FIELDS[key];
      if (!field) continue;
      (set as Record<string, unknown>)[field] = key === "metadata" || key === "kwargs" ? JSON.stringify(value) : value;
    }
    const filter: Record<string, unknown> = { _id: String(runId) };
    if (ifStatus) filter["status"] = { $in: [...ifStatus] };
    if (ifLeaseBefore) filter["lease_until"] = { $lt: ifLeaseBefore };
    const doc = await this.runs.findOneAndUpdate(filter, { $set: set }, { returnDocument: "after" });
    return doc ? fromRunDoc(doc) : null;
  }

  async delete(runId: string): Promise<void> {
    await this.runs.deleteOne({ _id: String(runId) });
  }

  async listByThread(threadId: string, statuses: readonly RunStatus[]): Promise<RunRecord[]> {
    const docs = await this.runs
      .find({ thread_id: threadId, status: { $in: [...statuses] } })
      .sort({ created_at: 1 })
      .hint(INDEXES.runsByThread.name)
      .toArray();
    return docs.map(fromRunDoc);
  }

  async listExpired(now: Date, limit: number): Promise<RunRecord[]> {
    const docs = await this.runs
      .find({ status: { $in: [...ACTIVE_STATUSES] }, lease_until: { $lt: now } })
      .hint(INDEXES.runsByLease.name)
      .limit(limit)
      .toArray();
    return docs.map(fromRunDoc);
  }

  async listPendingBefore(before: Date, limit: number): Promise<RunRecord[]> {
    const docs = await this.runs
      .find({ status: "pending", created_at: { $lt: before } })
      .sort({ created_at: 1 })
      .hint(INDEXES.runsPending.name)
      .limit(limit)
      .toArray();
    return docs.map(fromRunDoc);
  }

  async countActiveByUser(userId: string): Promise<number> {
    return this.runs.countDocuments({ user_id: userId, status: { $in: [...ACTIVE_STATUSES] } }, { hint: INDEXES.runsByUser.name });
  }
}

class MongoThreadStore implements ThreadStore {
  constructor(private readonly threads: Collection<ThreadDoc>) {}

  async ensure(threadId: string, userId: string): Promise<ThreadRecord> {
    const now = new Date();
    try {
      await this.threads.updateOne(
        { _id: threadId },
        { $setOnInsert: { user_id: userId, active_run_id: null, created_at: now, updated_at: now } },
        { upsert: true },
      );
    } catch (error) {
      // Two racing upserts of one new thread: the loser finds the winner's document.
      if (!isDuplicateKey(error)) throw error;
    }
    const doc = await this.threads.findOne({ _id: threadId });
    if (!doc) throw new Error(`thread ${threadId} vanished`);
    return fromThreadDoc(doc);
  }

  async get(threadId: string): Promise<ThreadRecord | null> {
    const doc = await this.threads.findOne({ _id: String(threadId) });
    return doc ? fromThreadDoc(doc) : null;
  }

  async acquire(threadId: string, runId: string): Promise<boolean> {
    const res = await this.threads.updateOne({ _id: threadId, active_run_id: null }, { $set: { active_run_id: runId, updated_at: new Date() } });
    return res.modifiedCount === 1;
  }

  async release(threadId: string, runId: string): Promise<void> {
    await this.threads.updateOne({ _id: threadId, active_run_id: runId }, { $set: { active_run_id: null, updated_at: new Date() } });
  }
}

function fromThreadDoc(doc: ThreadDoc): ThreadRecord {
  return { threadId: doc._id, userId: doc.user_id, activeRunId: doc.active_run_id ?? null, createdAt: doc.created_at, updatedAt: doc.updated_at };
}

function fromEventDoc(doc: EventDoc): StoredEvent {
  const event: StoredEvent = {
    threadId: doc.thread_id,
    runId: doc.run_id,
    seq: doc.seq,
    kind: doc.kind,
    data: JSON.parse(doc.data) as JsonValue,
    createdAt: doc.created_at,
  };
  if (doc.mode) event.mode = doc.mode;
  if (doc.namespace?.length) event.namespace = doc.namespace;
  return event;
}

class MongoEventStore implements EventStore {
  /** The last seq this process wrote per thread; a guess, corrected on conflict. */
  private readonly lastSeq = new Map<string, number>();
  private idCounter = 0;
  private readonly idPrefix = `${process.pid.toString(36)}${Date.now().toString(36)}`;

  constructor(private readonly events: Collection<EventDoc>) {}

  private async maxSeq(threadId: string): Promise<number> {
    const [last] = await this.events.find({ thread_id: threadId }).sort({ seq: -1 }).limit(1).hint(INDEXES.eventsBySeq.name).toArray();
    return last?.seq ?? 0;
  }

  async append(threadId: string, runId: string, events: NewEvent[]): Promise<StoredEvent[]> {
    const stored: StoredEvent[] = [];
    let pending = events;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 50) throw new Error(`could not allocate seqs on thread ${threadId}`);
      const base = this.lastSeq.get(threadId) ?? (await this.maxSeq(threadId));
      const createdAt = new Date();
      const docs: EventDoc[] = pending.map((e, i) => {
        const doc: EventDoc = {
          _id: e.key ?? `${this.idPrefix}-${(this.idCounter++).toString(36)}`,
          thread_id: threadId,
          seq: base + i + 1,
          run_id: runId,
          cat: e.kind === "message" ? "message" : "event",
          kind: e.kind,
          data: JSON.stringify(e.data),
          created_at: createdAt,
        };
        if (e.mode) doc.mode = e.mode;
        if (e.namespace?.length) doc.namespace = e.namespace;
        if (e.kind === "message" && isJsonObject(e.data) && typeof e.data["id"] === "string") {
          doc.message_id = e.data["id"];
        }
        return doc;
      });
      try {
        await this.events.insertMany(docs, { ordered: true });
        this.lastSeq.set(threadId, base + docs.length);
        stored.push(...docs.map(fromEventDoc));
        pending = [];
      } catch (error) {
        if (!isDuplicateKey(error)) throw error;
        // Another writer took some of these seqs, or an earlier attempt that
        // timed out did land: keep what is stored, retry the rest above the new maximum.
        const landed = await this.events.find({ _id: { $in: docs.map((d) => d._id) } }).toArray();
        const landedIds = new Set(landed.map((d) => d._id));
        stored.push(...landed.map(fromEventDoc));
        pending = pending.filter((_, i) => !landedIds.has(docs[i]!._id));
        this.lastSeq.delete(threadId);
      }
    }
    return stored.sort((a, b) => a.seq - b.seq);
  }

  async listRunEvents(runId: string, afterSeq: number, limit: number): Promise<StoredEvent[]> {
    const docs = await this.events
      .find({ run_id: String(runId), cat: "event", seq: { $gt: afterSeq } })
      .sort({ seq: 1 })
      .limit(limit)
      .hint(INDEXES.eventsByRun.name)
      .toArray();
    return docs.map(fromEventDoc);
  }

  async pageMessages(runId: string, query: MessagePageQuery): Promise<MessagePage> {
    const filter: Record<string, unknown> = { run_id: String(runId), cat: "message" };
    if (query.afterSeq !== undefined) {
      filter["seq"] = { $gt: query.afterSeq };
      const docs = await this.events.find(filter).sort({ seq: 1 }).limit(query.limit + 1).hint(INDEXES.eventsByRun.name).toArray();
      return { rows: docs.slice(0, query.limit).map(fromEventDoc), hasMore: docs.length > query.limit };
    }
    if (query.beforeSeq !== undefined) filter["seq"] = { $lt: query.beforeSeq };
    const docs = await this.events.find(filter).sort({ seq: -1 }).limit(query.limit + 1).hint(INDEXES.eventsByRun.name).toArray();
    return { rows: docs.slice(0, query.limit).reverse().map(fromEventDoc), hasMore: docs.length > query.limit };
  }

  async hasMessage(runId: string, messageId: string): Promise<boolean> {
    const doc = await this.events.findOne({ run_id: String(runId), cat: "message", message_id: String(messageId) }, { hint: INDEXES.eventsByRun.name });
    return doc !== null;
  }

  async deleteRun(runId: string): Promise<void> {
    await this.events.deleteMany({ run_id: String(runId) });
  }
}

class MongoFeedbackStore implements FeedbackStore {
  constructor(private readonly feedback: Collection<FeedbackDoc>) {}

  async create(f: FeedbackRecord): Promise<void> {
    try {
      await this.feedback.insertOne({
        _id: f.feedbackId,
        run_id: f.runId,
        thread_id: f.threadId,
        user_id: f.userId,
        message_id: f.messageId,
        rating: f.rating,
        comment: f.comment,
        created_at: f.createdAt,
      });
    } catch (error) {
      if (isDuplicateKey(error)) throw new DuplicateError("feedback for (run_id, user_id)");
      throw error;
    }
  }

  async listByRun(runId: string): Promise<FeedbackRecord[]> {
    const docs = await this.feedback.find({ run_id: String(runId) }).sort({ created_at: 1 }).hint(INDEXES.feedbackByRunUser.name).toArray();
    return docs.map((d) => ({
      feedbackId: d._id,
      runId: d.run_id,
      threadId: d.thread_id,
      userId: d.user_id,
      messageId: d.message_id ?? null,
      rating: d.rating,
      comment: d.comment ?? null,
      createdAt: d.created_at,
    }));
  }

  async delete(runId: string, feedbackId: string): Promise<boolean> {
    const res = await this.feedback.deleteOne({ _id: String(feedbackId), run_id: String(runId) });
    return res.deletedCount === 1;
  }

  async deleteByRun(runId: string): Promise<void> {
    await this.feedback.deleteMany({ run_id: String(runId) });
  }
}

export async function createIndexes(db: Db): Promise<void> {
  const runs = db.collection("runs");
  await runs.createIndex(INDEXES.runsByThread.key, { name: INDEXES.runsByThread.name });
  await runs.createIndex(INDEXES.runsByLease.key, { name: INDEXES.runsByLease.name });
  await runs.createIndex(INDEXES.runsPending.key, { name: INDEXES.runsPending.name });
  await runs.createIndex(INDEXES.runsByUser.key, { name: INDEXES.runsByUser.name });
  const events = db.collection("run_events");
  await events.createIndex(INDEXES.eventsBySeq.key, { name: INDEXES.eventsBySeq.name, unique: true });
  await events.createIndex(INDEXES.eventsByRun.key, { name: INDEXES.eventsByRun.name });
  await db.collection("feedback").createIndex(INDEXES.feedbackByRunUser.key, { name: INDEXES.feedbackByRunUser.name, unique: true });
}

export interface MongoStoreOptions {
  uri: string;
  database: string;
  timeoutMs: number;
}

export async function openMongoStores(options: MongoStoreOptions): Promise<{ stores: Stores; checkpointer: BaseCheckpointSaver; client: MongoClient }> {
  const { timeoutMs } = options;
  const client = new MongoClient(options.uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    socketTimeoutMS: timeoutMs * 2,
    waitQueueTimeoutMS: timeoutMs,
    heartbeatFrequencyMS: 1000,
    maxPoolSize: 100,
  });
  await bounded(() => client.connect(), timeoutMs * 2, "connect");
  const db = client.db(options.database);
  await bounded(() => createIndexes(db), timeoutMs * 4, "createIndexes");
  const checkpointer = resilientSaver(new MongoDBSaver({ client, dbName: options.database }), timeoutMs);
  const stores: Stores = {
    kind: "mongodb",
    runs: guard(new MongoRunStore(db.collection<RunDoc>("runs")), timeoutMs),
    threads: guard(new MongoThreadStore(db.collection<ThreadDoc>("threads")), timeoutMs),
    events: guard(new MongoEventStore(db.collection<EventDoc>("run_events")), timeoutMs),
    feedback: guard(new MongoFeedbackStore(db.collection<FeedbackDoc>("feedback")), timeoutMs),
    ping: () => bounded(async () => void (await db.command({ ping: 1 })), timeoutMs, "ping"),
    close: () => client.close(),
  };
  return { stores, checkpointer, client };
}

export async function createMongoStores(config: Config, logger: Logger): Promise<{ stores: Stores; checkpointer: BaseCheckpointSaver }> {
  if (!config.mongodbUri) throw new Error("the mongodb store needs a MongoDB URI");
  const opened = await openMongoStores({ uri: config.mongodbUri, database: config.mongodbDatabase, timeoutMs: config.storeTimeoutMs });
  logger.info({ database: config.mongodbDatabase }, "connected to MongoDB; indexes ensured");
  return opened;
}
