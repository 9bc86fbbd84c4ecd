import type { ServiceImpl } from "@connectrpc/connect";
import type { RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { runToProto } from "../convert.js";
import type { ServiceDeps } from "../deps.js";
import { RUN_STATUSES } from "../enums.js";

/** Another user's thread, or one that never existed, lists nothing (as LangGraph's runs.list does): no NOT_FOUND that would tell them apart. */
export function listRuns(deps: ServiceDeps): ServiceImpl<typeof RunsService>["listRuns"] {
  return async (req, ctx) => {
    const query = {
      threadId: req.threadId === "" ? null : req.threadId,
      statuses: req.statuses.map((s) => RUN_STATUSES.name(s)),
      pageSize: req.pageSize,
      pageToken: req.pageToken,
    };
    const page = await deps.app.runs.list(query, callerOf(ctx).userId);
    return { runs: page.runs.map(runToProto), nextPageToken: page.nextPageToken };
  };
}
