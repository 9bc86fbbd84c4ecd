import type { ServiceImpl } from "@connectrpc/connect";
import type { ThreadsService } from "../../../gen/agentruns/v1/threads_pb.js";
import { callerOf } from "../../auth/caller.js";
import type { ServiceDeps } from "../deps.js";
import { threadId } from "../validate.js";

export function deleteThread(deps: ServiceDeps): ServiceImpl<typeof ThreadsService>["deleteThread"] {
  return async (req, ctx) => {
    await deps.app.threads.delete(threadId("thread_id", req.threadId), callerOf(ctx).userId);
    return {};
  };
}
