import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { authorize } from "../../auth/caller.js";
import { runToProto } from "../convert.js";
import { loadRun, type ServiceDeps } from "../deps.js";

export function getRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["getRun"] {
  return async (req, ctx) => {
    const caller = authorize(ctx, "runs:read");
    const run = await loadRun(deps, "run_id", req.runId, caller);
    return { run: runToProto(run) };
  };
}
