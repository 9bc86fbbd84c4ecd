// Request decoding for a thread's state, history and messages: what the
// contract's rules (protovalidate) cannot say. Every check names its field.
import type {
  GetThreadStateRequest,
  ListThreadHistoryRequest,
  ListThreadMessagesRequest,
  UpdateThreadStateRequest,
} from "../../gen/agentruns/v1/threads_pb.js";
import type { HistoryRequest, StateUpdate } from "../application/index.js";
import type { MessagePageQuery } from "../domain/events.js";
import type { JsonObject } from "../domain/records.js";
import { invalidArgument } from "./errors.js";
import { checkInputMessages, checkJson, parseMessagePage, threadId } from "./validate.js";

/** LangGraph's default page of history. */
const DEFAULT_HISTORY_PAGE = 10;
/** Keys a history filter may name: each is one equality in the checkpointer's query. */
const MAX_FILTER_KEYS = 32;

type FilterValue = string | number | boolean | null;

export function parseGetThreadState(req: GetThreadStateRequest): { threadId: string; checkpointId: string | null } {
  return { threadId: threadId("thread_id", req.threadId), checkpointId: req.checkpointId || null };
}

/**
 * `values` is required by the contract; its JSON is bounded like a run's
 * input, and its messages must be messages, as a run's input's must: the
 * messages reducer would throw on anything else.
 */
export function parseUpdateThreadState(req: UpdateThreadStateRequest): { threadId: string; update: StateUpdate } {
  const values = (req.values ?? {}) as JsonObject;
  checkJson("values", values);
  const messages = values["messages"];
  if (messages !== undefined && messages !== null && !Array.isArray(messages)) {
    throw invalidArgument("values.messages", "must be a list of messages: each with a role (user, assistant, system, tool) or type, and content");
  }
  checkInputMessages(values, "values");
  return {
    threadId: threadId("thread_id", req.threadId),
    update: { values, asNode: req.asNode || null, checkpointId: req.checkpointId || null },
  };
}

/**
 * The metadata filter is a set of equalities on top-level keys: both
 * checkpointers compare plain values only (MongoDBSaver refuses objects,
 * the memory saver would never match one).
 */
function parseHistoryFilter(metadata: JsonObject | undefined): Record<string, FilterValue> {
  const entries = Object.entries(metadata ?? {});
  if (entries.length > MAX_FILTER_KEYS) throw invalidArgument("metadata", `at most ${MAX_FILTER_KEYS} keys`);
  const filter: Record<string, FilterValue> = {};
  for (const [key, value] of entries) {
    if (key === "" || key.startsWith("$") || key.includes(".")) throw invalidArgument(`metadata.${key}`, "a key must be a non-empty name without '.' or a leading '$'");
    if (value !== null && typeof value === "object") throw invalidArgument(`metadata.${key}`, "must be a string, number, boolean or null (checkpoint metadata is matched by equal plain values)");
    if (typeof value === "number" && !Number.isFinite(value)) throw invalidArgument(`metadata.${key}`, "numbers must be finite (no NaN or Infinity)");
    filter[key] = value;
  }
  return filter;
}

export function parseListThreadHistory(req: ListThreadHistoryRequest): { threadId: string; request: HistoryRequest } {
  return {
    threadId: threadId("thread_id", req.threadId),
    request: {
      pageSize: req.pageSize ?? DEFAULT_HISTORY_PAGE,
      pageToken: req.pageToken,
      before: req.beforeCheckpointId || null,
      filter: parseHistoryFilter(req.metadata as JsonObject | undefined),
    },
  };
}

/** Exactly ListRunMessages' paging (limit, before_seq, after_seq). */
export function parseListThreadMessages(req: ListThreadMessagesRequest): { threadId: string; query: MessagePageQuery } {
  return { threadId: threadId("thread_id", req.threadId), query: parseMessagePage(req.limit, req.beforeSeq, req.afterSeq) };
}
