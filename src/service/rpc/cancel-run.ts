import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { authorize } from "../../auth/caller.js";
import { runToProto } from "../convert.js";
import { loadRun, setRunHeaders, type ServiceDeps } from "../deps.js";
import { parseCancelAction } from "../validate.js";

export function cancelRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["cancelRun"] {
  return async (req, ctx) => {
    const caller = authorize(ctx, "runs:cancel");
    const action = parseCancelAction(req.action);
    const run = await loadRun(deps, "run_id", req.runId, caller);
    setRunHeaders(ctx, run);
    const after = await deps.runtime.cancel(run, action, req.wait, ctx.signal);
    return { run: after ? runToProto(after) : undefined };
  };
}
