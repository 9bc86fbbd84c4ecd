// Domain records and events to protobuf messages.
import { create, fromJson } from "@bufbuild/protobuf";
import { timestampFromDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  FeedbackSchema,
  RunEventSchema,
  RunMessageSchema,
  RunSchema,
  type Feedback,
  type Run,
  type RunEvent,
  type RunMessage,
} from "../../gen/agentruns/v1/runs_pb.js";
import type { FeedbackRecord, RunRecord } from "../domain/records.js";
import { RUN_STATUSES, STRATEGIES, STREAM_MODES } from "./enums.js";
import type { StoredMessage, StoredStreamEvent } from "../domain/events.js";

export function runToProto(run: RunRecord): Run {
  return create(RunSchema, {
    runId: run.runId,
    threadId: run.threadId,
    assistantId: run.assistantId,
    status: RUN_STATUSES.proto(run.status),
    metadata: run.metadata,
    multitaskStrategy: STRATEGIES.proto(run.multitaskStrategy),
    createTime: timestampFromDate(run.createdAt),
    updateTime: timestampFromDate(run.updatedAt),
    error: run.error ?? undefined,
    userId: run.userId,
  });
}

export function eventToProto(event: StoredStreamEvent): RunEvent {
  const eventId = BigInt(event.seq);
  switch (event.kind) {
    case "metadata": {
      const { run_id: runId, thread_id: threadId, assistant_id: assistantId } = event.data;
      return create(RunEventSchema, { eventId, kind: { case: "metadata", value: { runId, threadId, assistantId } } });
    }
    case "error":
      return create(RunEventSchema, { eventId, kind: { case: "error", value: { name: event.data.name, message: event.data.message } } });
    case "end":
      return create(RunEventSchema, { eventId, kind: { case: "end", value: { status: RUN_STATUSES.proto(event.data.status) } } });
    case "part":
      return create(RunEventSchema, {
        eventId,
        kind: { case: "part", value: { mode: STREAM_MODES.proto(event.mode), data: fromJson(ValueSchema, event.data), namespace: event.namespace } },
      });
  }
}

export function messageToProto(row: StoredMessage): RunMessage {
  return create(RunMessageSchema, {
    seq: BigInt(row.seq),
    runId: row.runId,
    threadId: row.threadId,
    message: row.data,
    createTime: timestampFromDate(row.createdAt),
  });
}

export function feedbackToProto(f: FeedbackRecord): Feedback {
  return create(FeedbackSchema, {
    feedbackId: f.feedbackId,
    runId: f.runId,
    threadId: f.threadId,
    userId: f.userId,
    messageId: f.messageId ?? "",
    rating: f.rating,
    comment: f.comment ?? "",
    createTime: timestampFromDate(f.createdAt),
  });
}
