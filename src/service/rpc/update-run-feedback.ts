import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { feedbackToProto } from "../convert.js";
import type { ServiceDeps } from "../deps.js";
import { feedbackInput } from "../feedback-input.js";

export function updateRunFeedback(deps: ServiceDeps): ServiceImpl<typeof RunsService>["updateRunFeedback"] {
  return async (req, ctx) => {
    const feedback = await deps.app.feedback.upsert(req.runId, feedbackInput(req), callerOf(ctx).userId);
    return { feedback: feedbackToProto(feedback) };
  };
}
