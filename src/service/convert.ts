// Domain records and events to protobuf messages.
import { create, fromJson } from "@bufbuild/protobuf";
import { timestampFromDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import {
  FeedbackSchema,
  MultitaskStrategy,
  RunEventSchema,
  RunMessageSchema,
  RunSchema,
  RunStatus,
  StreamMode,
  type Feedback,
  type Run,
  type RunEvent,
  type RunMessage,
} from "../../gen/agentruns/v1/runs_pb.js";
import type { FeedbackRecord, MultitaskStrategyName, RunRecord, RunStatus as RunStatusName, StreamModeName } from "../domain/records.js";
import type { StoredMessage, StoredStreamEvent } from "../domain/events.js";

export const RUN_STATUS: Record<RunStatusName, RunStatus> = {
  pending: RunStatus.PENDING,
  running: RunStatus.RUNNING,
  success: RunStatus.SUCCESS,
  error: RunStatus.ERROR,
  interrupted: RunStatus.INTERRUPTED,
  timeout: RunStatus.TIMEOUT,
};

const STREAM_MODE: Record<StreamModeName, StreamMode> = {
  values: StreamMode.VALUES,
  updates: StreamMode.UPDATES,
  messages: StreamMode.MESSAGES,
  custom: StreamMode.CUSTOM,
  debug: StreamMode.DEBUG,
  tasks: StreamMode.TASKS,
  checkpoints: StreamMode.CHECKPOINTS,
};

const STRATEGY: Record<MultitaskStrategyName, MultitaskStrategy> = {
  reject: MultitaskStrategy.REJECT,
  interrupt: MultitaskStrategy.INTERRUPT,
  rollback: MultitaskStrategy.ROLLBACK,
  enqueue: MultitaskStrategy.ENQUEUE,
};

export function runToProto(run: RunRecord): Run {
  return create(RunSchema, {
    runId: run.runId,
    threadId: run.threadId,
    assistantId: run.assistantId,
    status: RUN_STATUS[run.status],
    metadata: run.metadata,
    multitaskStrategy: STRATEGY[run.multitaskStrategy],
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
      return create(RunEventSchema, { eventId, kind: { case: "end", value: { status: RUN_STATUS[event.data.status] } } });
    case "part":
      return create(RunEventSchema, {
        eventId,
        kind: { case: "part", value: { mode: STREAM_MODE[event.mode], data: fromJson(ValueSchema, event.data), namespace: event.namespace } },
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
