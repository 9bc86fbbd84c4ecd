// The feedback collection: one feedback per (run, user), by unique index.
import type { Collection, Document } from "mongodb";
import { DuplicateError } from "../../domain/errors.js";
import type { FeedbackRecord } from "../../domain/records.js";
import type { FeedbackStore } from "../types.js";
import { isDuplicateKey } from "./guard.js";
import { INDEXES } from "./indexes.js";

export interface FeedbackDoc {
  _id: string;
  run_id: string;
  thread_id: string;
  user_id: string;
  message_id: string | null;
  rating: 1 | -1;
  comment: string | null;
  created_at: Date;
}

export class MongoFeedbackStore implements FeedbackStore {
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

  async upsert(f: FeedbackRecord): Promise<FeedbackRecord> {
    // Two upserts racing past an absent document both insert; the unique
    // (run_id, user_id) index refuses the second, whose retry then updates.
    try {
      return await this.upsertOnce(f);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      return this.upsertOnce(f);
    }
  }

  private async upsertOnce(f: FeedbackRecord): Promise<FeedbackRecord> {
    const doc = await this.feedback.findOneAndUpdate(
      { run_id: String(f.runId), user_id: String(f.userId) },
      {
        $set: { rating: f.rating, comment: f.comment, message_id: f.messageId },
        $setOnInsert: { _id: f.feedbackId, thread_id: f.threadId, created_at: f.createdAt },
      },
      // The driver types findAndModify's hint as a key document; the server takes an index name as every other query here sends it.
      { upsert: true, returnDocument: "after", hint: INDEXES.feedbackByRunUser.name as unknown as Document },
    );
    if (!doc) throw new Error("findOneAndUpdate with upsert returned no document");
    return fromDoc(doc);
  }

  async listByRun(runId: string): Promise<FeedbackRecord[]> {
    const docs = await this.feedback.find({ run_id: String(runId) }).sort({ created_at: 1 }).hint(INDEXES.feedbackByRunUser.name).toArray();
    return docs.map(fromDoc);
  }

  async delete(runId: string, feedbackId: string): Promise<boolean> {
    const res = await this.feedback.deleteOne({ _id: String(feedbackId), run_id: String(runId) });
    return res.deletedCount === 1;
  }

  async deleteByRun(runId: string): Promise<void> {
    await this.feedback.deleteMany({ run_id: String(runId) });
  }
}

function fromDoc(d: FeedbackDoc): FeedbackRecord {
  return {
    feedbackId: d._id,
    runId: d.run_id,
    threadId: d.thread_id,
    userId: d.user_id,
    messageId: d.message_id ?? null,
    rating: d.rating,
    comment: d.comment ?? null,
    createdAt: d.created_at,
  };
}
