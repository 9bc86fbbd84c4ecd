import type { ServiceImpl } from "@connectrpc/connect";
import type { ThreadsService } from "../../../gen/agentruns/v1/threads_pb.js";
import { callerOf } from "../../auth/caller.js";
import type { ServiceDeps } from "../deps.js";
import { parseUpdateThreadState } from "../validate-threads.js";

export function updateThreadState(deps: ServiceDeps): ServiceImpl<typeof ThreadsService>["updateThreadState"] {
  return async (req, ctx) => {
    const { threadId, update } = parseUpdateThreadState(req);
    return { checkpointId: await deps.app.threadState.update(threadId, update, callerOf(ctx).userId) };
  };
}
