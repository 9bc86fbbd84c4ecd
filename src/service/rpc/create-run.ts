import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { runToProto } from "../convert.js";
import { setRunHeaders, type ServiceDeps } from "../deps.js";
import { parseRunCreate } from "../validate.js";

export function createRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["createRun"] {
  return async (req, ctx) => {
    const spec = parseRunCreate(req.run!, deps.app.graphs, deps.app.webhooks);
    const run = await deps.app.runs.create(spec, callerOf(ctx).userId);
    setRunHeaders(ctx, run);
    return { run: runToProto(run) };
  };
}
