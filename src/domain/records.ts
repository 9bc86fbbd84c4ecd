// The records the service keeps: runs, threads, feedback, and the JSON they
// carry. Plain data shared by every layer; nothing here does I/O.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export type RunStatus = "pending" | "running" | "success" | "error" | "interrupted" | "timeout";
export const TERMINAL_STATUSES: readonly RunStatus[] = ["success", "error", "interrupted", "timeout"];
export const ACTIVE_STATUSES: readonly RunStatus[] = ["pending", "running"];
export const ALL_RUN_STATUSES: readonly RunStatus[] = [...ACTIVE_STATUSES, ...TERMINAL_STATUSES];

export type StreamModeName = "values" | "updates" | "messages" | "custom" | "debug" | "tasks" | "checkpoints";
export type MultitaskStrategyName = "reject" | "interrupt" | "rollback" | "enqueue";
export type OnDisconnectName = "cancel" | "continue";
export type CancelActionName = "interrupt" | "rollback";
/** When LangGraph writes a run's checkpoints: before each next step, while it runs (the default), or only at the end. */
export type DurabilityName = "sync" | "async" | "exit";

/** Everything needed to execute a run, kept with it so any replica can start it. */
export interface RunKwargs {
  input: JsonObject | null;
  command: JsonObject | null;
  config: JsonObject | null;
  context: JsonObject | null;
  streamModes: StreamModeName[];
  interruptBefore: string[];
  interruptAfter: string[];
  checkpointId: string | null;
  streamSubgraphs: boolean;
  onDisconnect: OnDisconnectName;
  /** As asked at creation; absent when not asked (and in runs stored before it existed): LangGraph's default, async. */
  durability?: DurabilityName;
  /** The run's time limit once it executes; absent in runs stored before limits existed (the server's default applies). */
  timeoutSeconds?: number;
  /** The http(s) URL the run is POSTed to when it ends (checked at creation); absent: no webhook. */
  webhook?: string;
}

export interface RunError {
  name: string;
  message: string;
}

export interface RunRecord {
  runId: string;
  threadId: string;
  assistantId: string;
  userId: string;
  status: RunStatus;
  metadata: JsonObject;
  multitaskStrategy: MultitaskStrategyName;
  kwargs: RunKwargs;
  error: RunError | null;
  createdAt: Date;
  updatedAt: Date;
  /** The replica executing the run and until when its claim holds. */
  ownerId: string | null;
  leaseUntil: Date | null;
  /** Set by CancelRun on any replica; the owner acts on it. */
  cancelRequested: CancelActionName | null;
  /**
   * The W3C traceparent of the RPC span that created the run, when tracing was
   * on there: the run's span is its child on whichever replica executes it.
   * Absent in runs created untraced or stored before tracing existed.
   */
  traceParent?: string;
  /** Set once a draining replica has handed the run back at a superstep boundary; absent: never. */
  handover?: RunHandover;
}

/** A run's hand-overs by draining replicas, to be resumed from LangGraph's checkpoint. */
export interface RunHandover {
  /** How often it was handed back: each resumption writes its events under keys of its own. */
  count: number;
  /** True while it waits for a replica to resume it. */
  resumable: boolean;
  /** The thread's checkpoint before the run's first attempt: where a rollback returns to (null: none). */
  baseCheckpointId: string | null;
}

/** Where a thread stands: busy while a run holds it, else how its last run ended. */
export type ThreadStatus = "idle" | "busy" | "interrupted" | "error";
export const THREAD_STATUSES: readonly ThreadStatus[] = ["idle", "busy", "interrupted", "error"];
/** How a run left its thread (busy is only ever derived from activeRunId). */
export type SettledThreadStatus = Exclude<ThreadStatus, "busy">;

export interface ThreadRecord {
  threadId: string;
  userId: string;
  /** Free-form, set by CreateThread and merged by UpdateThread; {} for threads runs created. */
  metadata: JsonObject;
  /** "busy" whenever activeRunId is set; otherwise how the last run left it (idle before any). */
  status: ThreadStatus;
  /** The run holding the thread; at most one runs on a thread at a time. */
  activeRunId: string | null;
  createdAt: Date;
  updatedAt: Date;
  /** Set while DeleteThread removes it: invisible to reads and searches, no run may start on it. */
  deleting?: true;
}

export interface FeedbackRecord {
  feedbackId: string;
  runId: string;
  threadId: string;
  userId: string;
  messageId: string | null;
  rating: 1 | -1;
  comment: string | null;
  createdAt: Date;
}

/**
 * A run's webhook waiting to be sent: kept in the store until a 2xx answer,
 * so it outlives the replica that enqueued it (once given up, until keepUntil). One per run (its id is the run's).
 */
export interface WebhookDelivery {
  deliveryId: string;
  runId: string;
  userId: string;
  url: string;
  /** The run as proto3 JSON, as it ended: what every attempt sends. */
  body: string;
  /** pending: to be sent (again) at `dueAt`; failed: given up after the last attempt or refused. */
  status: "pending" | "failed";
  /** Attempts started so far (a claim counts one, so a replica dying mid-POST uses one up). */
  attempts: number;
  dueAt: Date;
  /** The token of the claim that holds it; the holder alone may settle it. */
  claim: string | null;
  lastError: string | null;
  /** When it was stored: the run's end. */
  createdAt: Date;
  /** Failed only: when the store deletes it (given up, it is kept this long for a look); null while pending. */
  keepUntil: Date | null;
}
