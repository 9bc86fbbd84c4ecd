import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { feedbackToProto } from "../convert.js";
import type { ServiceDeps } from "../deps.js";

export function listRunFeedback(deps: ServiceDeps): ServiceImpl<typeof RunsService>["listRunFeedback"] {
  return async (req, ctx) => {
    const { feedback, summary } = await deps.app.feedback.list(req.runId, callerOf(ctx).userId);
    return { feedback: feedback.map(feedbackToProto), summary };
  };
}
