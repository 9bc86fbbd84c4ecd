import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { runToProto } from "../convert.js";
import { setRunHeaders, type ServiceDeps } from "../deps.js";
import { parseCancelAction } from "../validate.js";

export function cancelRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["cancelRun"] {
  return async (req, ctx) => {
    const action = parseCancelAction(req.action);
    const runId = req.runId;
    const { before, after } = await deps.app.runs.cancel(runId, action, req.wait, callerOf(ctx).userId, ctx.signal);
    setRunHeaders(ctx, before);
    return { run: after ? runToProto(after) : undefined };
  };
}
