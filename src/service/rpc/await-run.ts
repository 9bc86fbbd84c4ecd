import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { runToProto } from "../convert.js";
import { setRunHeaders, type ServiceDeps } from "../deps.js";

export function awaitRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["awaitRun"] {
  return async (req, ctx) => {
    const finished = await (await deps.app.runs.await(req.runId, callerOf(ctx).userId, ctx.signal)).outcome;
    setRunHeaders(ctx, finished.run);
    return { run: runToProto(finished.run), values: finished.values, error: finished.run.error ?? undefined };
  };
}
