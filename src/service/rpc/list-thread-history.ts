import type { ServiceImpl } from "@connectrpc/connect";
import type { ThreadsService } from "../../../gen/agentruns/v1/threads_pb.js";
import { callerOf } from "../../auth/caller.js";
import { threadStateToProto } from "../convert-thread-state.js";
import type { ServiceDeps } from "../deps.js";
import { parseListThreadHistory } from "../validate-threads.js";

export function listThreadHistory(deps: ServiceDeps): ServiceImpl<typeof ThreadsService>["listThreadHistory"] {
  return async (req, ctx) => {
    const { threadId, request } = parseListThreadHistory(req);
    const page = await deps.app.threadState.history(threadId, request, callerOf(ctx).userId);
    return { states: page.states.map(threadStateToProto), nextPageToken: page.nextPageToken };
  };
}
