import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { authorize } from "../../auth/caller.js";
import { feedbackToProto } from "../convert.js";
import { loadRun, type ServiceDeps } from "../deps.js";

export function listRunFeedback(deps: ServiceDeps): ServiceImpl<typeof RunsService>["listRunFeedback"] {
  return async (req, ctx) => {
    const caller = authorize(ctx, "runs:read");
    const run = await loadRun(deps, "run_id", req.runId, caller);
    const feedback = await deps.stores.feedback.listByRun(run.runId);
    return { feedback: feedback.map(feedbackToProto) };
  };
}
