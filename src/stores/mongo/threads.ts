// The threads collection: who owns a thread, which run holds it, how its last
// run left it, and its metadata. Metadata is JSON text (keys with "." or a
// leading "$" stay data, never operators) beside its matchable entries
// (thread-metadata.ts), which SearchThreads' filter reads. Documents written
// before threads had metadata and a status read as {} and idle.
import type { Collection, Filter } from "mongodb";
import type { JsonObject, SettledThreadStatus, ThreadRecord, ThreadStatus } from "../../domain/records.js";
import { mergeMetadata, metadataEntries } from "../thread-metadata.js";
import type { ThreadPageQuery, ThreadStore } from "../types.js";
import { isDuplicateKey } from "./guard.js";
import { INDEXES } from "./indexes.js";

export interface ThreadDoc {
  _id: string;
  user_id: string;
  active_run_id: string | null;
  created_at: Date;
  updated_at: Date;
  metadata?: string;
  metadata_kv?: string[];
  /** How the last run left it; busy is active_run_id set. */
  status?: SettledThreadStatus;
  /** An acquire was refused while a run held it: runs may be queued (see ThreadStore.release). */
  queued?: boolean;
  deleting?: true;
}

/** Racing UpdateThreads each retry their compare-and-set; this many rounds is far beyond any real contention. */
const MERGE_ATTEMPTS = 50;
const NOT_DELETING = { $ne: true } as const;
/** An acquire refused, then finding the thread free, tries again: more rounds than real contention needs. */
const ACQUIRE_ATTEMPTS = 5;

/** The documents in `status`, busy being derived from active_run_id. */
function statusFilter(status: ThreadStatus): Filter<ThreadDoc> {
  if (status === "busy") return { active_run_id: { $ne: null } };
  if (status === "idle") return { active_run_id: null, status: { $nin: ["interrupted", "error"] } };
  return { active_run_id: null, status };
}

function pageFilter(query: ThreadPageQuery): Filter<ThreadDoc> {
  const filter: Filter<ThreadDoc> = { user_id: String(query.userId), deleting: NOT_DELETING };
  const entries = metadataEntries(query.metadata);
  if (entries.length > 0) filter.metadata_kv = { $all: entries };
  const and: Filter<ThreadDoc>[] = [];
  if (query.after) {
    const { createdAt, threadId } = query.after;
    and.push({ $or: [{ created_at: { $lt: createdAt } }, { created_at: createdAt, _id: { $lt: String(threadId) } }] });
  }
  if (query.statuses.length > 0) and.push({ $or: query.statuses.map(statusFilter) });
  if (and.length > 0) filter.$and = and;
  return filter;
}

export class MongoThreadStore implements ThreadStore {
  constructor(private readonly threads: Collection<ThreadDoc>) {}

  async ensure(threadId: string, userId: string): Promise<ThreadRecord> {
    const now = new Date();
    try {
      // One round trip: the upsert answers with the document, new or existing.
      const upserted = await this.threads.findOneAndUpdate(
        { _id: threadId },
        { $setOnInsert: { user_id: userId, active_run_id: null, created_at: now, updated_at: now, metadata: "{}", metadata_kv: [], status: "idle" } },
        { upsert: true, returnDocument: "after" },
      );
      if (upserted) return fromThreadDoc(upserted);
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

  async getOwned(threadId: string, userId: string): Promise<ThreadRecord | null> {
    const doc = await this.threads.findOne({ _id: String(threadId), user_id: String(userId) });
    return doc ? fromThreadDoc(doc) : null;
  }

  async create(threadId: string, userId: string, metadata: JsonObject): Promise<{ created: boolean; thread: ThreadRecord }> {
    const now = new Date();
    const doc: ThreadDoc = {
      _id: String(threadId),
      user_id: String(userId),
      active_run_id: null,
      created_at: now,
      updated_at: now,
      metadata: JSON.stringify(metadata),
      metadata_kv: metadataEntries(metadata),
      status: "idle",
    };
    try {
      await this.threads.insertOne(doc);
      return { created: true, thread: fromThreadDoc(doc) };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const existing = await this.threads.findOne({ _id: doc._id });
    // Deleted between the refused insert and this read: it existed when asked, so it counts as existing.
    return { created: false, thread: existing ? fromThreadDoc(existing) : fromThreadDoc(doc) };
  }

  async updateMetadata(threadId: string, userId: string, patch: JsonObject, accept?: (merged: JsonObject) => void): Promise<ThreadRecord | null> {
    const owned = { _id: String(threadId), user_id: String(userId), deleting: NOT_DELETING };
    // A compare-and-set on the metadata text: one update cannot merge JSON text, and
    // `$set: {"metadata.<key>"}` would read a key with "." as a path.
    for (let attempt = 0; attempt < MERGE_ATTEMPTS; attempt++) {
      const doc = await this.threads.findOne(owned);
      if (!doc) return null;
      const merged = mergeMetadata(metadataOf(doc), patch);
      accept?.(merged);
      const updated = await this.threads.findOneAndUpdate(
        { ...owned, metadata: doc.metadata === undefined ? { $exists: false } : doc.metadata },
        { $set: { metadata: JSON.stringify(merged), metadata_kv: metadataEntries(merged), updated_at: new Date() } },
        { returnDocument: "after" },
      );
      if (updated) return fromThreadDoc(updated);
    }
    throw new Error(`thread ${threadId}: metadata kept changing under ${MERGE_ATTEMPTS} merges`);
  }

  async markDeleting(threadId: string, userId: string): Promise<boolean> {
    const res = await this.threads.updateOne({ _id: String(threadId), user_id: String(userId), active_run_id: null }, { $set: { deleting: true } });
    return res.matchedCount === 1;
  }

  async delete(threadId: string, userId: string): Promise<void> {
    await this.threads.deleteOne({ _id: String(threadId), user_id: String(userId) });
  }

  async page(query: ThreadPageQuery): Promise<ThreadRecord[]> {
    const docs = await this.threads
      .find(pageFilter(query))
      .sort({ created_at: -1, _id: -1 })
      .hint(INDEXES.threadsByUser.name)
      .limit(query.limit)
      .toArray();
    return docs.map(fromThreadDoc);
  }

  /**
   * One upsert that matches only the caller's free thread: a new thread is created held; an existing
   * one that is another user's, held or being deleted fails the upsert on its _id, and is read.
   */
  async claim(threadId: string, userId: string, runId: string): Promise<{ thread: ThreadRecord; acquired: boolean }> {
    const now = new Date();
    try {
      const doc = await this.threads.findOneAndUpdate(
        { _id: String(threadId), user_id: String(userId), active_run_id: null, deleting: NOT_DELETING },
        { $set: { active_run_id: String(runId), updated_at: now }, $setOnInsert: { created_at: now, metadata: "{}", metadata_kv: [], status: "idle" } },
        { upsert: true, returnDocument: "after" },
      );
      if (doc) return { thread: fromThreadDoc(doc), acquired: doc.active_run_id === runId };
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
    const doc = await this.threads.findOne({ _id: String(threadId) });
    if (!doc) throw new Error(`thread ${threadId} vanished`);
    return { thread: fromThreadDoc(doc), acquired: false };
  }

  /**
   * One update when the thread is free. Refused, the thread is marked queued; if the mark finds it
   * free by then (its holder released in between, seeing no mark), the acquire is tried again.
   */
  async acquire(threadId: string, runId: string): Promise<boolean> {
    for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt++) {
      const res = await this.threads.updateOne(
        { _id: threadId, active_run_id: null, deleting: NOT_DELETING },
        { $set: { active_run_id: runId, updated_at: new Date() } },
      );
      if (res.modifiedCount === 1) return true;
      const marked = await this.threads.findOneAndUpdate({ _id: threadId }, { $set: { queued: true } }, { returnDocument: "after" });
      if (!marked || marked.deleting || marked.active_run_id === runId) return false;
      if (marked.active_run_id !== null) return false;
    }
    // Freed and taken again between each try: the run stays pending for the lease keeper's sweep.
    return false;
  }

  /** One findAndModify that answers with the mark as the release found it (read again if this call released nothing: a retry of one that did). */
  async release(threadId: string, runId: string, status?: SettledThreadStatus): Promise<boolean> {
    const before = await this.threads.findOneAndUpdate(
      { _id: threadId, active_run_id: runId },
      { $set: { active_run_id: null, updated_at: new Date(), ...(status && { status }) } },
      { returnDocument: "before", projection: { queued: 1 } },
    );
    if (before) return before.queued === true;
    return (await this.threads.findOne({ _id: threadId }, { projection: { queued: 1 } }))?.queued === true;
  }

  async clearQueued(threadId: string): Promise<void> {
    await this.threads.updateOne({ _id: threadId, active_run_id: null, queued: true }, { $set: { queued: false } });
  }
}

function metadataOf(doc: ThreadDoc): JsonObject {
  return doc.metadata === undefined ? {} : (JSON.parse(doc.metadata) as JsonObject);
}

function fromThreadDoc(doc: ThreadDoc): ThreadRecord {
  const activeRunId = doc.active_run_id ?? null;
  return {
    threadId: doc._id,
    userId: doc.user_id,
    metadata: metadataOf(doc),
    status: activeRunId !== null ? "busy" : (doc.status ?? "idle"),
    activeRunId,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    ...(doc.deleting && { deleting: true as const }),
  };
}
