import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { runToProto } from "../convert.js";
import type { ServiceDeps } from "../deps.js";

export function getRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["getRun"] {
  return async (req, ctx) => {
    const run = await deps.app.runs.get(req.runId, callerOf(ctx).userId);
    return { run: runToProto(run) };
  };
}
