// Thread records to their protobuf message, and the thread status enum both ways.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ThreadSchema, ThreadStatus, type Thread } from "../../gen/agentruns/v1/threads_pb.js";
import type { ThreadRecord, ThreadStatus as ThreadStatusName } from "../domain/records.js";
import { twoWay } from "./enums.js";

/** UNSPECIFIED and unknown numbers never get here: protovalidate refuses them in requests. */
export const THREAD_STATUS = twoWay<ThreadStatus, ThreadStatusName>(
  [
    [ThreadStatus.IDLE, "idle"],
    [ThreadStatus.BUSY, "busy"],
    [ThreadStatus.INTERRUPTED, "interrupted"],
    [ThreadStatus.ERROR, "error"],
  ],
  "idle",
);

export function threadToProto(thread: ThreadRecord): Thread {
  return create(ThreadSchema, {
    threadId: thread.threadId,
    userId: thread.userId,
    status: THREAD_STATUS.proto(thread.status),
    metadata: thread.metadata,
    createTime: timestampFromDate(thread.createdAt),
    updateTime: timestampFromDate(thread.updatedAt),
  });
}
