// Request decoding for threads as resources (CreateThread, GetThread,
// UpdateThread, DeleteThread, SearchThreads): what the contract's rules
// (protovalidate: id patterns, enum values, page_size range, token length)
// cannot say. Every check names its field.
import {
  IfExists,
  type CreateThreadRequest,
  type SearchThreadsRequest,
  type UpdateThreadRequest,
} from "../../gen/agentruns/v1/threads_pb.js";
import type { ThreadCreate, ThreadSearch } from "../application/index.js";
import type { JsonObject } from "../domain/records.js";
import { THREAD_STATUS } from "./convert-threads.js";
import { checkJson, DEFAULT_PAGE_LIMIT, threadId } from "./validate.js";

/** Thread metadata, bounded like a run's (64 KiB, 1,000 entries, depth, finite numbers). */
function parseMetadata(metadata: JsonObject | undefined): JsonObject {
  const value = metadata ?? {};
  checkJson("metadata", value);
  return value;
}

export function parseCreateThread(req: CreateThreadRequest): ThreadCreate {
  return {
    threadId: req.threadId === "" ? null : threadId("thread_id", req.threadId),
    metadata: parseMetadata(req.metadata as JsonObject | undefined),
    ifExists: req.ifExists === IfExists.DO_NOTHING ? "do_nothing" : "raise",
  };
}

export function parseUpdateThread(req: UpdateThreadRequest): { threadId: string; metadata: JsonObject } {
  return { threadId: threadId("thread_id", req.threadId), metadata: parseMetadata(req.metadata as JsonObject | undefined) };
}

export function parseSearchThreads(req: SearchThreadsRequest): ThreadSearch {
  return {
    metadata: parseMetadata(req.metadata as JsonObject | undefined),
    statuses: req.statuses.map((status) => THREAD_STATUS.name(status)),
    pageSize: req.pageSize ?? DEFAULT_PAGE_LIMIT,
    pageToken: req.pageToken,
  };
}
