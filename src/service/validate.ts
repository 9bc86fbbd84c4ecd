// Request decoding and the checks the contract cannot declare. Structure
// (required fields, lengths, id patterns, enum values, ranges) is declared in
// proto/agentruns/v1/runs.proto with protovalidate and enforced before any
// handler runs (src/server/validate.ts); what is left here needs the graphs
// or looks inside JSON: the assistant and its node names, JSON depth and
// finite numbers, keys and bytes per field, config and command keys, input messages. Every check names
// the field it refuses, in the proto's snake_case path.
import { coerceMessageLikeToMessage } from "@langchain/core/messages";
import type { CancelAction, RunCreate, RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import type { AssistantCatalog, RunSelector, RunSpec } from "../application/index.js";
import { AssistantNotFoundError } from "../domain/errors.js";
import type { MessagePageQuery } from "../domain/events.js";
import { Durability } from "../../gen/agentruns/v1/runs_pb.js";
import { DURABILITIES } from "./enums.js";
import { isJsonObject, type CancelActionName, type JsonObject, type JsonValue, type StreamModeName } from "../domain/records.js";
import { CANCEL_ACTIONS, ON_DISCONNECT, RUN_STATUSES, STRATEGIES, STREAM_MODES } from "./enums.js";
import { invalidArgument } from "./errors.js";
import { parseWebhook } from "./validate-webhook.js";
import type { WebhookPolicy } from "../application/index.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** DeerFlow's canonical thread ids (UUIDs are a subset): threads created there move over as they are. */
const THREAD_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_JSON_DEPTH = 32;
export const DEFAULT_PAGE_LIMIT = 50;
const CONFIG_KEYS = new Set(["configurable", "tags", "recursion_limit"]);
const COMMAND_KEYS = new Set(["resume", "goto", "update"]);

/**
 * How much JSON a field may hold, beyond the request's own limit
 * (`--read-max-bytes`): serialized UTF-8 bytes, and entries (object keys and
 * array items, at every level), the unit of the synchronous work each read of
 * the run costs (decoding, Struct conversion). Metadata comes back whole with
 * every GetRun, so it is small; config holds settings; input, command and
 * context carry a conversation, so only the request limit bounds their bytes.
 * docs/security-and-operations.md lists them.
 */
export const JSON_LIMITS = {
  "run.metadata": { bytes: 64 * 1024, entries: 1_000 },
  "run.config": { bytes: 256 * 1024, entries: 10_000 },
  "run.input": { bytes: Number.POSITIVE_INFINITY, entries: 100_000 },
  "run.command": { bytes: Number.POSITIVE_INFINITY, entries: 100_000 },
  "run.context": { bytes: Number.POSITIVE_INFINITY, entries: 100_000 },
  values: { bytes: Number.POSITIVE_INFINITY, entries: 100_000 },
  // A thread's metadata (CreateThread, UpdateThread, SearchThreads' filter): like a run's, it comes back whole with every read.
  metadata: { bytes: 64 * 1024, entries: 1_000 },
} as const;
/** Keys of any one object: no message, state or settings object needs more, and each key is work on every read. */
export const MAX_OBJECT_KEYS = 10_000;

type JsonField = keyof typeof JSON_LIMITS;

/** Refuses JSON a store or graph should never see: too deep, too many keys, too large, or non-finite numbers. */
export function checkJson(field: JsonField, value: JsonValue | undefined): void {
  const { bytes, entries } = JSON_LIMITS[field];
  // Counting stops at the first entry past the bound, so an oversized field costs no more than an allowed one.
  const left = { entries };
  walkJson(field, field, value, 0, left);
  if (Number.isFinite(bytes) && value !== undefined && Buffer.byteLength(JSON.stringify(value)) > bytes) {
    throw invalidArgument(field, `larger than ${bytes / 1024} KiB serialized as JSON`);
  }
}

function walkJson(root: JsonField, field: string, value: JsonValue | undefined, depth: number, left: { entries: number }): void {
  if (value === null || value === undefined) return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalidArgument(field, "numbers must be finite (no NaN or Infinity)");
    return;
  }
  if (typeof value !== "object") return;
  if (depth >= MAX_JSON_DEPTH) throw invalidArgument(field, `nested deeper than ${MAX_JSON_DEPTH} levels`);
  const keys = Array.isArray(value) ? null : Object.keys(value);
  left.entries -= keys ? keys.length : (value as JsonValue[]).length;
  if (left.entries < 0) throw invalidArgument(root, `more than ${JSON_LIMITS[root].entries} keys and array items in all`);
  if (keys && keys.length > MAX_OBJECT_KEYS) throw invalidArgument(field, `more than ${MAX_OBJECT_KEYS} keys in one object`);
  if (!keys) (value as JsonValue[]).forEach((v, i) => walkJson(root, `${field}[${i}]`, v, depth + 1, left));
  else for (const key of keys) walkJson(root, `${field}.${key}`, (value as JsonObject)[key], depth + 1, left);
}

function optionalObject(field: JsonField, value: JsonObject | undefined): JsonObject | null {
  if (value === undefined) return null;
  checkJson(field, value);
  return value;
}

/** `run` has passed the contract's rules (it is present, its ids well-formed, its enums defined). */
export function parseRunCreate(run: RunCreate, graphs: AssistantCatalog, webhooks: WebhookPolicy): RunSpec {
  const graph = graphs.get(run.assistantId);
  if (!graph) throw new AssistantNotFoundError("run.assistant_id", run.assistantId, graphs.ids());
  const given = run.threadId === "" ? null : threadId("run.thread_id", run.threadId);
  const command = parseCommand(optionalObject("run.command", run.command));
  const input = optionalObject("run.input", run.input);
  if (input && command) throw invalidArgument("run.command", "give either run.input or run.command, not both");
  checkInputMessages(input);
  const config = parseConfig(optionalObject("run.config", run.config));
  const thread = resolveThreadId(given, config);
  if (run.checkpointId !== "" && thread === null) throw invalidArgument("run.checkpoint_id", "needs run.thread_id: a new thread has no checkpoints");
  const nodes = (field: string, names: string[]) => nodeNames(field, names, run.assistantId, graph.nodeNames);
  const streamModes: StreamModeName[] = [...new Set(run.streamMode.map(STREAM_MODES.name))];
  return {
    assistantId: run.assistantId,
    threadId: thread,
    metadata: optionalObject("run.metadata", run.metadata) ?? {},
    multitaskStrategy: STRATEGIES.name(run.multitaskStrategy),
    kwargs: {
      // No input and no command: an empty input, as DeerFlow runs it (LangGraph itself would raise EmptyInputError).
      input: input ?? (command ? null : {}),
      command,
      config,
      context: optionalObject("run.context", run.context),
      streamModes: streamModes.length > 0 ? streamModes : ["values"],
      interruptBefore: nodes("run.interrupt_before", run.interruptBefore),
      interruptAfter: nodes("run.interrupt_after", run.interruptAfter),
      checkpointId: run.checkpointId === "" ? null : run.checkpointId,
      streamSubgraphs: run.streamSubgraphs,
      onDisconnect: ON_DISCONNECT.name(run.onDisconnect),
      ...(run.timeoutSeconds !== undefined && { timeoutSeconds: run.timeoutSeconds }),
      ...(run.durability !== Durability.UNSPECIFIED && { durability: DURABILITIES.name(run.durability) }),
      ...parseWebhook(run.webhook, webhooks),
    },
  };
}

function parseCommand(command: JsonObject | null): JsonObject | null {
  for (const key of Object.keys(command ?? {})) {
    if (!COMMAND_KEYS.has(key)) throw invalidArgument(`run.command.${key}`, "unknown key; expected resume, goto or update");
  }
  return command;
}

/** LangGraph's config keys this service passes on, with their types. */
function parseConfig(config: JsonObject | null): JsonObject | null {
  if (!config) return null;
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.has(key)) throw invalidArgument(`run.config.${key}`, "unknown key; expected configurable, tags or recursion_limit");
  }
  const { configurable, tags, recursion_limit: limit } = config;
  // JSON null is how many clients say "not set" (DeerFlow's `configurable: None`).
  if (configurable === null) delete config["configurable"];
  else if (configurable !== undefined && !isJsonObject(configurable)) throw invalidArgument("run.config.configurable", "must be an object");
  else if (configurable !== undefined) checkReservedKeys(configurable);
  if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === "string"))) {
    throw invalidArgument("run.config.tags", "must be a list of strings");
  }
  if (limit !== undefined && !(typeof limit === "number" && Number.isInteger(limit) && limit >= 1 && limit <= 10_000)) {
    throw invalidArgument("run.config.recursion_limit", "must be an integer between 1 and 10000");
  }
  return config;
}

/** Keys LangGraph keeps for itself, which a client must not reach: they would bypass the run's own checkpoint and run handling. */
const RESERVED_CONFIGURABLE = new Set(["checkpoint_id", "checkpoint_ns", "checkpoint_map", "run_id"]);

function checkReservedKeys(configurable: JsonObject): void {
  for (const key of Object.keys(configurable)) {
    if (key.startsWith("__") || RESERVED_CONFIGURABLE.has(key)) {
      const instead = key === "checkpoint_id" ? "; give run.checkpoint_id instead" : "";
      throw invalidArgument(`run.config.configurable.${key}`, `reserved for LangGraph and the service${instead}`);
    }
  }
}

/** Node names (or "*") the graph has, each once. */
function nodeNames(field: string, names: string[], assistantId: string, known: ReadonlySet<string>): string[] {
  names.forEach((name, i) => {
    if (name !== "*" && !known.has(name)) {
      throw invalidArgument(`${field}[${i}]`, `"${name}" is not a node of ${assistantId} (nodes: ${[...known].join(", ")}, or "*")`);
    }
  });
  return [...new Set(names)];
}

/** A thread id: a UUID (normalised to lower case) or DeerFlow's letters, digits, `_` and `-`, up to 64. */
export function threadId(field: string, value: string): string {
  if (UUID.test(value)) return value.toLowerCase();
  if (!THREAD_ID.test(value)) throw invalidArgument(field, "must be a UUID or 1..64 letters, digits, '_' or '-'; empty for a new thread");
  return value;
}

/**
 * LangGraph's and DeerFlow's clients name the thread in
 * `config.configurable.thread_id`; honour it, and refuse a contradiction.
 */
function resolveThreadId(given: string | null, config: JsonObject | null): string | null {
  const configurable = config?.["configurable"];
  const fromConfig = isJsonObject(configurable) ? configurable["thread_id"] : undefined;
  if (fromConfig === undefined || fromConfig === null || fromConfig === "") return given;
  const field = "run.config.configurable.thread_id";
  if (typeof fromConfig !== "string") throw invalidArgument(field, "must be a string");
  const named = threadId(field, fromConfig);
  if (given !== null && given !== named) {
    throw invalidArgument("run.thread_id", `"${given}" and run.config.configurable.thread_id "${named}" name different threads; give one`);
  }
  return named;
}

/** Input messages LangChain cannot coerce would fail the run; refuse them before anything is stored. */
export function checkInputMessages(input: JsonObject | null, field = "run.input"): void {
  const messages = input?.["messages"];
  if (!Array.isArray(messages)) return;
  messages.forEach((message, i) => {
    try {
      coerceMessageLikeToMessage(message as never);
    } catch {
      throw invalidArgument(
        `${field}.messages[${i}]`,
        "not a message: give a role (user, assistant, system, tool) or type, and content; a tool message needs tool_call_id",
      );
    }
  });
}

export function parseCancelAction(action: CancelAction): CancelActionName {
  return CANCEL_ACTIONS.name(action);
}

/** Limits and seqs are in range (the contract says so); only their combination is checked here. */
export function parseMessagePage(limit: number | undefined, beforeSeq: bigint | undefined, afterSeq: bigint | undefined): MessagePageQuery {
  if (beforeSeq !== undefined && afterSeq !== undefined) throw invalidArgument("before_seq", "give before_seq or after_seq, not both");
  const query: MessagePageQuery = { limit: limit ?? DEFAULT_PAGE_LIMIT };
  if (beforeSeq !== undefined) query.beforeSeq = safeNumber("before_seq", beforeSeq);
  if (afterSeq !== undefined) query.afterSeq = safeNumber("after_seq", afterSeq);
  return query;
}

/** An int64 the stores can hold as a JavaScript number. */
export function safeNumber(field: string, value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument(field, "too large");
  return Number(value);
}

/** CancelRuns' selector: run_ids, or thread_id (with statuses), exactly one of them. */
export function parseRunSelector(runIds: string[], threadId: string, statuses: RunStatus[]): RunSelector {
  if ((runIds.length > 0) === (threadId !== "")) {
    const description = "give exactly one of run_ids and thread_id";
    throw invalidArgument("run_ids", description, undefined, [{ field: "thread_id", description }]);
  }
  if (runIds.length > 0) {
    if (statuses.length > 0) throw invalidArgument("statuses", "only with thread_id (run_ids names the runs itself)");
    return { runIds };
  }
  return { threadId, statuses: statuses.map((s) => RUN_STATUSES.name(s)) };
}

export function parseComment(comment: string): string | null {
  return comment === "" ? null : comment;
}
