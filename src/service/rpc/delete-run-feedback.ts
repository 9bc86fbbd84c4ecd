import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import type { ServiceDeps } from "../deps.js";

export function deleteRunFeedback(deps: ServiceDeps): ServiceImpl<typeof RunsService>["deleteRunFeedback"] {
  return async (req, ctx) => {
    const feedbackId = req.feedbackId;
    await deps.app.feedback.delete(req.runId, feedbackId, callerOf(ctx).userId);
    return {};
  };
}
