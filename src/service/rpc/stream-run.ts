import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { setRunHeaders, type ServiceDeps } from "../deps.js";
import { streamPayloads } from "../stream.js";
import { parseRunCreate } from "../validate.js";

export function streamRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["streamRun"] {
  return async function* (req, ctx) {
    const spec = parseRunCreate(req.run!, deps.app.graphs, deps.app.webhooks);
    const { run, events } = await deps.app.runs.stream(spec, callerOf(ctx).userId, ctx.signal);
    setRunHeaders(ctx, run);
    yield* streamPayloads(deps, events);
  };
}
