import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { feedbackToProto } from "../convert.js";
import type { ServiceDeps } from "../deps.js";
import { parseComment } from "../validate.js";

export function createRunFeedback(deps: ServiceDeps): ServiceImpl<typeof RunsService>["createRunFeedback"] {
  return async (req, ctx) => {
    const input = {
      rating: req.rating as 1 | -1,
      comment: parseComment(req.comment),
      messageId: req.messageId === "" ? null : req.messageId,
    };
    const feedback = await deps.app.feedback.create(req.runId, input, callerOf(ctx).userId);
    return { feedback: feedbackToProto(feedback) };
  };
}
