// Feedback in process memory: one per (run, user).
import { DuplicateError } from "../../domain/errors.js";
import type { FeedbackRecord } from "../../domain/records.js";
import type { FeedbackStore } from "../types.js";

export class MemoryFeedbackStore implements FeedbackStore {
  private readonly byRun = new Map<string, FeedbackRecord[]>();

  async create(feedback: FeedbackRecord): Promise<void> {
    let list = this.byRun.get(feedback.runId);
    if (!list) this.byRun.set(feedback.runId, (list = []));
    if (list.some((f) => f.userId === feedback.userId)) throw new DuplicateError("feedback for (run_id, user_id)");
    list.push({ ...feedback });
  }

  async upsert(feedback: FeedbackRecord): Promise<FeedbackRecord> {
    let list = this.byRun.get(feedback.runId);
    if (!list) this.byRun.set(feedback.runId, (list = []));
    const index = list.findIndex((f) => f.userId === feedback.userId);
    const { rating, comment, messageId } = feedback;
    const stored = index < 0 ? { ...feedback } : { ...list[index]!, rating, comment, messageId };
    if (index < 0) list.push(stored);
    else list[index] = stored;
    return { ...stored };
  }

  async listByRun(runId: string): Promise<FeedbackRecord[]> {
    return (this.byRun.get(runId) ?? []).map((f) => ({ ...f }));
  }

  async delete(runId: string, feedbackId: string): Promise<boolean> {
    const list = this.byRun.get(runId);
    const index = list?.findIndex((f) => f.feedbackId === feedbackId) ?? -1;
    if (index < 0) return false;
    list!.splice(index, 1);
    return true;
  }

  async deleteByRun(runId: string): Promise<void> {
    this.byRun.delete(runId);
  }
}

