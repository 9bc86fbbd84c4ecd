// Feedback on the caller's runs: one per run and user, optionally on one of
// the run's messages, created once or set (created when absent); only its
// author deletes it.
import { randomUUID } from "node:crypto";
import { DuplicateError, FeedbackExistsError, FeedbackNotFoundError, InvalidArgumentError } from "../domain/errors.js";
import type { FeedbackRecord } from "../domain/records.js";
import type { RunUseCases } from "./runs/use-cases.js";
import type { Stores } from "../stores/types.js";

export interface NewFeedback {
  rating: 1 | -1;
  comment: string | null;
  messageId: string | null;
}

/** Counts over a run's feedback: DeerFlow's per-run aggregate. */
export interface FeedbackSummary {
  total: number;
  positive: number;
  negative: number;
}

export interface RunFeedback {
  feedback: FeedbackRecord[];
  summary: FeedbackSummary;
}

export type FeedbackUseCases = ReturnType<typeof feedbackUseCases>;

export function summarize(feedback: readonly FeedbackRecord[]): FeedbackSummary {
  const positive = feedback.filter((f) => f.rating === 1).length;
  return { total: feedback.length, positive, negative: feedback.length - positive };
}

export function feedbackUseCases(stores: Stores, runs: Pick<RunUseCases, "get">) {
  /** The caller's run and the feedback `input` would leave on it, refused before anything is stored if its message is not the run's. */
  async function feedbackFor(runId: string, input: NewFeedback, userId: string): Promise<FeedbackRecord> {
    const run = await runs.get(runId, userId);
    if (input.messageId && !(await stores.events.hasMessage(run.runId, input.messageId))) {
      throw new InvalidArgumentError("message_id", `"${input.messageId}" is not a message of run ${run.runId}`);
    }
    return { feedbackId: randomUUID(), runId: run.runId, threadId: run.threadId, userId, ...input, createdAt: new Date() };
  }

  return {
    async create(runId: string, input: NewFeedback, userId: string): Promise<FeedbackRecord> {
      const feedback = await feedbackFor(runId, input, userId);
      try {
        await stores.feedback.create(feedback);
      } catch (error) {
        if (error instanceof DuplicateError) throw new FeedbackExistsError(feedback.runId);
        throw error;
      }
      return feedback;
    },

    /** Sets the caller's feedback on the run, creating it when absent (DeerFlow's PUT); its id and time stay those of its creation. */
    async upsert(runId: string, input: NewFeedback, userId: string): Promise<FeedbackRecord> {
      return stores.feedback.upsert(await feedbackFor(runId, input, userId));
    },

    async list(runId: string, userId: string): Promise<RunFeedback> {
      const run = await runs.get(runId, userId);
      const feedback = await stores.feedback.listByRun(run.runId);
      return { feedback, summary: summarize(feedback) };
    },

    async delete(runId: string, feedbackId: string, userId: string): Promise<void> {
      const run = await runs.get(runId, userId);
      const mine = (await stores.feedback.listByRun(run.runId)).some((f) => f.feedbackId === feedbackId && f.userId === userId);
      if (!mine || !(await stores.feedback.delete(run.runId, feedbackId))) throw new FeedbackNotFoundError(feedbackId, run.runId);
    },
  };
}
