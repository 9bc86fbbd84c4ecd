// Feedback on the caller's runs: one per run and user, optionally on one of
// the run's messages; only its author deletes it.
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

export type FeedbackUseCases = ReturnType<typeof feedbackUseCases>;

export function feedbackUseCases(stores: Stores, runs: Pick<RunUseCases, "get">) {
  return {
    async create(runId: string, input: NewFeedback, userId: string): Promise<FeedbackRecord> {
      const run = await runs.get(runId, userId);
      if (input.messageId && !(await stores.events.hasMessage(run.runId, input.messageId))) {
        throw new InvalidArgumentError("message_id", `"${input.messageId}" is not a message of run ${run.runId}`);
      }
      const feedback: FeedbackRecord = { feedbackId: randomUUID(), runId: run.runId, threadId: run.threadId, userId, ...input, createdAt: new Date() };
      try {
        await stores.feedback.create(feedback);
      } catch (error) {
        if (error instanceof DuplicateError) throw new FeedbackExistsError(run.runId);
        throw error;
      }
      return feedback;
    },

    async list(runId: string, userId: string): Promise<FeedbackRecord[]> {
      const run = await runs.get(runId, userId);
      return stores.feedback.listByRun(run.runId);
    },

    async delete(runId: string, feedbackId: string, userId: string): Promise<void> {
      const run = await runs.get(runId, userId);
      const mine = (await stores.feedback.listByRun(run.runId)).some((f) => f.feedbackId === feedbackId && f.userId === userId);
      if (!mine || !(await stores.feedback.delete(run.runId, feedbackId))) throw new FeedbackNotFoundError(feedbackId, run.runId);
    },
  };
}
