import { Code, type ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { authorize } from "../../auth/caller.js";
import { loadRun, type ServiceDeps } from "../deps.js";
import { rpcError } from "../errors.js";
import { requireId } from "../validate.js";

export function deleteRunFeedback(deps: ServiceDeps): ServiceImpl<typeof RunsService>["deleteRunFeedback"] {
  return async (req, ctx) => {
    const caller = authorize(ctx, "feedback:write");
    requireId("feedback_id", req.feedbackId);
    const run = await loadRun(deps, "run_id", req.runId, caller);
    const mine = (await deps.stores.feedback.listByRun(run.runId)).find(
      (f) => f.feedbackId === req.feedbackId && f.userId === caller.userId,
    );
    if (!mine || !(await deps.stores.feedback.delete(run.runId, req.feedbackId))) {
      throw rpcError(Code.NotFound, "FEEDBACK_NOT_FOUND", `feedback "${req.feedbackId}" not found on run "${run.runId}"`);
    }
    return {};
  };
}
