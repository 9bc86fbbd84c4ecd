import { randomUUID } from "node:crypto";
import { Code, type ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { authorize } from "../../auth/caller.js";
import { DuplicateError, type FeedbackRecord } from "../../stores/types.js";
import { feedbackToProto } from "../convert.js";
import { loadRun, type ServiceDeps } from "../deps.js";
import { invalidArgument, rpcError } from "../errors.js";
import { parseComment, parseRating, requireId } from "../validate.js";

export function createRunFeedback(deps: ServiceDeps): ServiceImpl<typeof RunsService>["createRunFeedback"] {
  return async (req, ctx) => {
    const caller = authorize(ctx, "feedback:write");
    const rating = parseRating(req.rating);
    const comment = parseComment(req.comment);
    const messageId = req.messageId === "" ? null : requireId("message_id", req.messageId);
    const run = await loadRun(deps, "run_id", req.runId, caller);
    if (messageId && !(await deps.stores.events.hasMessage(run.runId, messageId))) {
      throw invalidArgument("message_id", `"${messageId}" is not a message of run ${run.runId}`);
    }
    const feedback: FeedbackRecord = {
      feedbackId: randomUUID(),
      runId: run.runId,
      threadId: run.threadId,
      userId: caller.userId,
      messageId,
      rating,
      comment,
      createdAt: new Date(),
    };
    try {
      await deps.stores.feedback.create(feedback);
    } catch (error) {
      if (error instanceof DuplicateError) {
        throw rpcError(Code.AlreadyExists, "FEEDBACK_EXISTS", `run "${run.runId}" already has feedback from this user; delete it first`, {
          run_id: run.runId,
        });
      }
      throw error;
    }
    return { feedback: feedbackToProto(feedback) };
  };
}
