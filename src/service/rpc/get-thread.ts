import type { ServiceImpl } from "@connectrpc/connect";
import type { ThreadsService } from "../../../gen/agentruns/v1/threads_pb.js";
import { callerOf } from "../../auth/caller.js";
import { threadToProto } from "../convert-threads.js";
import type { ServiceDeps } from "../deps.js";
import { threadId } from "../validate.js";

export function getThread(deps: ServiceDeps): ServiceImpl<typeof ThreadsService>["getThread"] {
  return async (req, ctx) => {
    const thread = await deps.app.threads.get(threadId("thread_id", req.threadId), callerOf(ctx).userId);
    return { thread: threadToProto(thread) };
  };
}
