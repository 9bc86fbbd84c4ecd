import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { runIdKey, type ServiceDeps } from "../deps.js";

export function deleteRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["deleteRun"] {
  return async (req, ctx) => {
    ctx.values.set(runIdKey, req.runId);
    await deps.app.runs.delete(req.runId, callerOf(ctx).userId);
    return {};
  };
}
