import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { runToProto } from "../convert.js";
import type { ServiceDeps } from "../deps.js";
import { parseCancelAction, parseRunSelector } from "../validate.js";

export function cancelRuns(deps: ServiceDeps): ServiceImpl<typeof RunsService>["cancelRuns"] {
  return async (req, ctx) => {
    const selector = parseRunSelector(req.runIds, req.threadId, req.statuses);
    const cancelled = await deps.app.runs.cancelMany(selector, parseCancelAction(req.action), callerOf(ctx).userId, ctx.signal);
    return { runs: cancelled.map(runToProto) };
  };
}
