// Store interfaces shared by the memory and MongoDB implementations. Both pass
// one contract suite (test/stores.contract.ts); anything the service relies on
// is written down there.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export type RunStatus = "pending" | "running" | "success" | "error" | "interrupted" | "timeout";
export const TERMINAL_STATUSES: readonly RunStatus[] = ["success", "error", "interrupted", "timeout"];
export const ACTIVE_STATUSES: readonly RunStatus[] = ["pending", "running"];

export type StreamModeName = "values" | "updates" | "messages" | "custom" | "debug" | "tasks" | "checkpoints";
export type MultitaskStrategyName = "reject" | "interrupt" | "rollback" | "enqueue";
export type OnDisconnectName = "cancel" | "continue";
export type CancelActionName = "interrupt" | "rollback";

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
}

export interface ThreadRecord {
  threadId: string;
  userId: string;
  /** The run holding the thread; at most one runs on a thread at a time. */
  activeRunId: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A stored row of a thread's log: a stream event or a message. */
export type EventKind = "metadata" | "part" | "error" | "end" | "message";

export interface NewEvent {
  /**
   * Idempotency key: appending a row whose key is already stored (a retry
   * after a timeout that did land) stores nothing new.
   */
  key?: string;
  kind: EventKind;
  /** The stream mode, for `part` rows. */
  mode?: StreamModeName;
  namespace?: string[];
  data: JsonValue;
}

export interface StoredEvent extends NewEvent {
  threadId: string;
  runId: string;
  /** Per thread, strictly increasing, starting at 1. */
  seq: number;
  createdAt: Date;
}

export interface MessagePageQuery {
  limit: number;
  beforeSeq?: number;
  afterSeq?: number;
}

export interface MessagePage {
  rows: StoredEvent[];
  hasMore: boolean;
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

/** Thrown by stores when a unique constraint refuses a write. */
export class DuplicateError extends Error {
  constructor(what: string) {
    super(`duplicate ${what}`);
    this.name = "DuplicateError";
  }
}

/** Thrown by stores when the database cannot be reached in time. */
export class StoreUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "StoreUnavailableError";
  }
}

/**
 * Thrown by a bounded store when another active (pending or running) run would
 * not fit: active runs are never evicted, so the only way to stay bounded is
 * to refuse new ones until some finish.
 */
export class StoreFullError extends Error {
  constructor(readonly limit: number) {
    super(`the server already holds its maximum of ${limit} pending or running runs; retry once some finish`);
    this.name = "StoreFullError";
  }
}

export interface RunStore {
  insert(run: RunRecord): Promise<void>;
  get(runId: string): Promise<RunRecord | null>;
  /**
   * Applies `patch` if the run exists and, when given, its status is one of
   * `ifStatus`, and, when given, its lease ended before `ifLeaseBefore`. Returns the updated run, or null when nothing matched. Atomic.
   */
  update(runId: string, patch: Partial<RunRecord>, ifStatus?: readonly RunStatus[], ifLeaseBefore?: Date): Promise<RunRecord | null>;
  delete(runId: string): Promise<void>;
  /** Runs of a thread in the given statuses, oldest first. */
  listByThread(threadId: string, statuses: readonly RunStatus[]): Promise<RunRecord[]>;
  /** Running or pending runs whose lease ended before `now`. */
  listExpired(now: Date, limit: number): Promise<RunRecord[]>;
  /** Pending runs created before `before`, oldest first (queued runs whose scheduling may have been lost). */
  listPendingBefore(before: Date, limit: number): Promise<RunRecord[]>;
  /** Count of a user's pending or running runs. */
  countActiveByUser(userId: string): Promise<number>;
}

export interface ThreadStore {
  /** Returns the thread, creating it for `userId` when missing. */
  ensure(threadId: string, userId: string): Promise<ThreadRecord>;
  get(threadId: string): Promise<ThreadRecord | null>;
  /** Makes `runId` the thread's active run if it has none. Atomic. */
  acquire(threadId: string, runId: string): Promise<boolean>;
  /** Clears the active run if it is `runId`. */
  release(threadId: string, runId: string): Promise<void>;
}

export interface EventStore {
  /** Appends rows to the thread's log, allocating consecutive seqs in order. */
  append(threadId: string, runId: string, events: NewEvent[]): Promise<StoredEvent[]>;
  /** A run's stream events (not messages) with seq > afterSeq, ascending. */
  listRunEvents(runId: string, afterSeq: number, limit: number): Promise<StoredEvent[]>;
  /** One page of a run's messages, ascending by seq (see ListRunMessages). */
  pageMessages(runId: string, query: MessagePageQuery): Promise<MessagePage>;
  /** Whether the run has a message with this id. */
  hasMessage(runId: string, messageId: string): Promise<boolean>;
  deleteRun(runId: string): Promise<void>;
}

export interface FeedbackStore {
  /** Throws DuplicateError when (runId, userId) already has feedback. */
  create(feedback: FeedbackRecord): Promise<void>;
  listByRun(runId: string): Promise<FeedbackRecord[]>;
  /** Deletes the feedback if it is on `runId`; returns whether it existed. */
  delete(runId: string, feedbackId: string): Promise<boolean>;
  deleteByRun(runId: string): Promise<void>;
}

export interface Stores {
  kind: "memory" | "mongodb";
  runs: RunStore;
  threads: ThreadStore;
  events: EventStore;
  feedback: FeedbackStore;
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
