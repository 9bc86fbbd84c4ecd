import type { ServiceImpl } from "@connectrpc/connect";
import type { ThreadsService } from "../../../gen/agentruns/v1/threads_pb.js";
import { callerOf } from "../../auth/caller.js";
import { threadStateToProto } from "../convert-thread-state.js";
import type { ServiceDeps } from "../deps.js";
import { parseGetThreadState } from "../validate-threads.js";

export function getThreadState(deps: ServiceDeps): ServiceImpl<typeof ThreadsService>["getThreadState"] {
  return async (req, ctx) => {
    const { threadId, checkpointId } = parseGetThreadState(req);
    const state = await deps.app.threadState.get(threadId, checkpointId, callerOf(ctx).userId);
    return { state: threadStateToProto(state) };
  };
}
