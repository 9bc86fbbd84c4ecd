// A thread's log: the stream events of its runs and the messages they
// exchanged. One union, written by the run executor and read by every
// adapter, so a renamed key is a compile error rather than an empty field.
import type { JsonObject, JsonValue, RunError, RunStatus, StreamModeName } from "./records.js";

/** The first event of every run. Keys are snake_case: this is the stored (and the LangGraph wire) shape. */
export interface MetadataEvent {
  kind: "metadata";
  data: { run_id: string; thread_id: string; assistant_id: string };
}

/** One chunk of a LangGraph stream, in the mode it was asked for. */
export interface PartEvent {
  kind: "part";
  mode: StreamModeName;
  /** The subgraph path the chunk came from; empty for the root graph. */
  namespace: string[];
  data: JsonValue;
}

/** The run's own failure. */
export interface ErrorEvent {
  kind: "error";
  data: RunError;
}

/** The last event of every run. */
export interface EndEvent {
  kind: "end";
  data: { status: RunStatus };
}

/** A message of the run (human input, AI response, tool result) as LangChain serializes it. Not streamed. */
export interface MessageEvent {
  kind: "message";
  data: JsonObject;
}

export type EventBody = MetadataEvent | PartEvent | ErrorEvent | EndEvent | MessageEvent;
export type EventKind = EventBody["kind"];

/**
 * A row to append. `key` is its idempotency key: appending a row whose key is
 * already stored (a retry after a timeout that did land) stores nothing new.
 */
export type NewEvent = EventBody & { key?: string };

/** A stored row: where it belongs and its place in the thread's log. */
export type StoredEvent = NewEvent & {
  threadId: string;
  runId: string;
  /** Per thread, strictly increasing, starting at 1. */
  seq: number;
  createdAt: Date;
};

export function isStreamEvent(row: StoredEvent): row is StoredStreamEvent {
  return row.kind !== "message";
}

export interface MessagePageQuery {
  limit: number;
  beforeSeq?: number;
  afterSeq?: number;
}

/** A stored message row. */
export type StoredMessage = StoredEvent & MessageEvent;
/** A stored row that streams carry: everything but messages. */
export type StoredStreamEvent = StoredEvent & (MetadataEvent | PartEvent | ErrorEvent | EndEvent);

export function isStoredMessage(row: StoredEvent): row is StoredMessage {
  return row.kind === "message";
}

export interface MessagePage {
  rows: StoredMessage[];
  hasMore: boolean;
}
