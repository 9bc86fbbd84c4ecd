import { Code } from "@connectrpc/connect";
import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { authorize } from "../../auth/caller.js";
import { runToProto } from "../convert.js";
import { setRunHeaders, type ServiceDeps } from "../deps.js";
import { rpcError } from "../errors.js";
import { parseRunCreate } from "../validate.js";

export function waitRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["waitRun"] {
  return async (req, ctx) => {
    const caller = authorize(ctx, "runs:create");
    const spec = parseRunCreate(req.run, deps.graphs);
    const run = await deps.runtime.create(spec, caller.userId);
    setRunHeaders(ctx, run);
    let finished;
    try {
      finished = await deps.runtime.waitForEnd(run.runId, ctx.signal);
    } catch (error) {
      if (ctx.signal.aborted && spec.kwargs.onDisconnect === "cancel") {
        const current = await deps.stores.runs.get(run.runId);
        if (current) await deps.runtime.cancel(current, "interrupt", false);
      }
      throw error;
    }
    if (!finished) throw rpcError(Code.Aborted, "RUN_ROLLED_BACK", `run "${run.runId}" was rolled back by a newer run`);
    const values = await deps.runtime.stateValues(finished);
    return { run: runToProto(finished), values, error: finished.error ?? undefined };
  };
}
