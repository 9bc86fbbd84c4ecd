// The threads collection: who owns a thread and which run holds it.
import type { Collection } from "mongodb";
import type { ThreadRecord } from "../../domain/records.js";
import type { ThreadStore } from "../types.js";
import { isDuplicateKey } from "./guard.js";

export interface ThreadDoc {
  _id: string;
  user_id: string;
  active_run_id: string | null;
  created_at: Date;
  updated_at: Date;
}

export class MongoThreadStore implements ThreadStore {
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

