import type { ServiceImpl } from "@connectrpc/connect";
import type { ThreadsService } from "../../../gen/agentruns/v1/threads_pb.js";
import { callerOf } from "../../auth/caller.js";
import { threadToProto } from "../convert-threads.js";
import type { ServiceDeps } from "../deps.js";
import { parseCreateThread } from "../validate-thread-resources.js";

export function createThread(deps: ServiceDeps): ServiceImpl<typeof ThreadsService>["createThread"] {
  return async (req, ctx) => {
    const thread = await deps.app.threads.create(parseCreateThread(req), callerOf(ctx).userId);
    return { thread: threadToProto(thread) };
  };
}
