import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { authorize } from "../../auth/caller.js";
import { messageToProto } from "../convert.js";
import { loadRun, type ServiceDeps } from "../deps.js";
import { parseMessagePage } from "../validate.js";

export function listRunMessages(deps: ServiceDeps): ServiceImpl<typeof RunsService>["listRunMessages"] {
  return async (req, ctx) => {
    const caller = authorize(ctx, "runs:read");
    const query = parseMessagePage(req.limit, req.beforeSeq, req.afterSeq);
    const run = await loadRun(deps, "run_id", req.runId, caller);
    const page = await deps.stores.events.pageMessages(run.runId, query);
    return { messages: page.rows.map(messageToProto), hasMore: page.hasMore };
  };
}
