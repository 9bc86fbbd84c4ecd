import { Code, type ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { authorize } from "../../auth/caller.js";
import { runToProto } from "../convert.js";
import { loadRun, setRunHeaders, type ServiceDeps } from "../deps.js";
import { rpcError } from "../errors.js";
import { parseCancelAction } from "../validate.js";

export function cancelRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["cancelRun"] {
  return async (req, ctx) => {
    const caller = authorize(ctx, "runs:cancel");
    const action = parseCancelAction(req.action);
    const run = await loadRun(deps, "run_id", req.runId, caller);
    setRunHeaders(ctx, run);
    // An interrupted run is already what a cancel makes of it: answering OK keeps retries idempotent.
    if (run.status === "interrupted") return { run: runToProto(run) };
    if (run.status !== "pending" && run.status !== "running") {
      throw rpcError(Code.FailedPrecondition, "RUN_NOT_ACTIVE", `run "${run.runId}" already ended (${run.status}); only pending or running runs can be cancelled`, {
        run_id: run.runId,
        status: run.status,
      });
    }
    const after = await deps.runtime.cancel(run, action, req.wait, ctx.signal);
    return { run: after ? runToProto(after) : undefined };
  };
}
