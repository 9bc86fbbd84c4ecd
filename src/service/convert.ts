// Store records to protobuf messages.
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
import { isJsonObject } from "../runtime/json.js";
import type {
  FeedbackRecord,
  MultitaskStrategyName,
  RunRecord,
  RunStatus as RunStatusName,
  StoredEvent,
  StreamModeName,
} from "../stores/types.js";

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

function text(data: unknown, key: string): string {
  return isJsonObject(data) && typeof data[key] === "string" ? (data[key] as string) : "";
}

export function eventToProto(event: StoredEvent): RunEvent {
  const eventId = BigInt(event.seq);
  switch (event.kind) {
    case "metadata":
      return create(RunEventSchema, {
        eventId,
        kind: {
          case: "metadata",
          value: { runId: event.runId, threadId: event.threadId, assistantId: text(event.data, "assistant_id") },
        },
      });
    case "error":
      return create(RunEventSchema, {
        eventId,
        kind: { case: "error", value: { name: text(event.data, "name"), message: text(event.data, "message") } },
      });
    case "end":
      return create(RunEventSchema, {
        eventId,
        kind: { case: "end", value: { status: RUN_STATUS[text(event.data, "status") as RunStatusName] ?? RunStatus.UNSPECIFIED } },
      });
    default:
      return create(RunEventSchema, {
        eventId,
        kind: {
          case: "part",
          value: {
            mode: event.mode ? STREAM_MODE[event.mode] : StreamMode.UNSPECIFIED,
            data: fromJson(ValueSchema, event.data),
            namespace: event.namespace ?? [],
          },
        },
      });
  }
}

export function messageToProto(row: StoredEvent): RunMessage {
  return create(RunMessageSchema, {
    seq: BigInt(row.seq),
    runId: row.runId,
    threadId: row.threadId,
    message: isJsonObject(row.data) ? row.data : { value: row.data },
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
