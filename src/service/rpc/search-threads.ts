import type { ServiceImpl } from "@connectrpc/connect";
import type { ThreadsService } from "../../../gen/agentruns/v1/threads_pb.js";
import { callerOf } from "../../auth/caller.js";
import { threadToProto } from "../convert-threads.js";
import type { ServiceDeps } from "../deps.js";
import { parseSearchThreads } from "../validate-thread-resources.js";

export function searchThreads(deps: ServiceDeps): ServiceImpl<typeof ThreadsService>["searchThreads"] {
  return async (req, ctx) => {
    const page = await deps.app.threads.search(parseSearchThreads(req), callerOf(ctx).userId);
    return { threads: page.threads.map(threadToProto), nextPageToken: page.nextPageToken };
  };
}
