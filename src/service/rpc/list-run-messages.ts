import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { messageToProto } from "../convert.js";
import type { ServiceDeps } from "../deps.js";
import { parseMessagePage } from "../validate.js";

export function listRunMessages(deps: ServiceDeps): ServiceImpl<typeof RunsService>["listRunMessages"] {
  return async (req, ctx) => {
    const query = parseMessagePage(req.limit, req.beforeSeq, req.afterSeq);
    const page = await deps.app.runs.listMessages(req.runId, query, callerOf(ctx).userId);
    return { messages: page.rows.map(messageToProto), hasMore: page.hasMore };
  };
}
