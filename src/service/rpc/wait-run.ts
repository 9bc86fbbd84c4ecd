import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { runToProto } from "../convert.js";
import { setRunHeaders, type ServiceDeps } from "../deps.js";
import { parseRunCreate } from "../validate.js";

export function waitRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["waitRun"] {
  return async (req, ctx) => {
    const spec = parseRunCreate(req.run!, deps.app.graphs, deps.app.webhooks);
    const { run, outcome } = await deps.app.runs.wait(spec, callerOf(ctx).userId, ctx.signal);
    setRunHeaders(ctx, run);
    const finished = await outcome;
    return { run: runToProto(finished.run), values: finished.values, error: finished.run.error ?? undefined };
  };
}
