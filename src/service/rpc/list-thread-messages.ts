import type { ServiceImpl } from "@connectrpc/connect";
import type { ThreadsService } from "../../../gen/agentruns/v1/threads_pb.js";
import { callerOf } from "../../auth/caller.js";
import { messageToProto } from "../convert.js";
import type { ServiceDeps } from "../deps.js";
import { parseListThreadMessages } from "../validate-threads.js";

export function listThreadMessages(deps: ServiceDeps): ServiceImpl<typeof ThreadsService>["listThreadMessages"] {
  return async (req, ctx) => {
    const { threadId, query } = parseListThreadMessages(req);
    const page = await deps.app.threadState.messages(threadId, query, callerOf(ctx).userId);
    return { messages: page.rows.map(messageToProto), hasMore: page.hasMore };
  };
}
