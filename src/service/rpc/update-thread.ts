import type { ServiceImpl } from "@connectrpc/connect";
import type { ThreadsService } from "../../../gen/agentruns/v1/threads_pb.js";
import { callerOf } from "../../auth/caller.js";
import { threadToProto } from "../convert-threads.js";
import type { ServiceDeps } from "../deps.js";
import { parseUpdateThread } from "../validate-thread-resources.js";

export function updateThread(deps: ServiceDeps): ServiceImpl<typeof ThreadsService>["updateThread"] {
  return async (req, ctx) => {
    const { threadId, metadata } = parseUpdateThread(req);
    const thread = await deps.app.threads.update(threadId, callerOf(ctx).userId, metadata);
    return { thread: threadToProto(thread) };
  };
}
