import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { authorize } from "../../auth/caller.js";
import { setRunHeaders, type ServiceDeps } from "../deps.js";
import { runEvents } from "../stream.js";
import { parseRunCreate } from "../validate.js";

export function streamRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["streamRun"] {
  return async function* (req, ctx) {
    const caller = authorize(ctx, "runs:create");
    const spec = parseRunCreate(req.run, deps.graphs);
    const run = await deps.runtime.create(spec, caller.userId);
    setRunHeaders(ctx, run);
    for await (const payload of runEvents(deps, run, 0, ctx, spec.kwargs.onDisconnect === "cancel")) {
      yield { payload };
    }
  };
}
