// The feedback collection: one feedback per (run, user), by unique index.
import type { Collection } from "mongodb";
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

