// Request validation: every check names the field it refuses, in the proto's
// snake_case path, so a client in any language can tell what to fix.
import { coerceMessageLikeToMessage } from "@langchain/core/messages";
import {
  CancelAction,
  MultitaskStrategy,
  OnDisconnect,
  StreamMode,
  type RunCreate,
} from "../../gen/agentruns/v1/runs_pb.js";
import type { GraphRegistry } from "../runtime/graphs.js";
import type { RunSpec } from "../application/index.js";
import { AssistantNotFoundError } from "../domain/errors.js";
import type { CancelActionName, JsonObject, JsonValue, MultitaskStrategyName, OnDisconnectName, StreamModeName } from "../domain/records.js";
import type { MessagePageQuery } from "../domain/events.js";
import { isJsonObject } from "../domain/records.js";
import { invalidArgument } from "./errors.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** DeerFlow's canonical thread ids (UUIDs are a subset): threads created there move over as they are. */
const THREAD_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_ID_LENGTH = 128;
const MAX_JSON_DEPTH = 32;
const MAX_COMMENT_LENGTH = 4096;
export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 200;

const STREAM_MODES: Record<number, StreamModeName> = {
  [StreamMode.VALUES]: "values",
  [StreamMode.UPDATES]: "updates",
  [StreamMode.MESSAGES]: "messages",
  [StreamMode.CUSTOM]: "custom",
  [StreamMode.DEBUG]: "debug",
  [StreamMode.TASKS]: "tasks",
  [StreamMode.CHECKPOINTS]: "checkpoints",
};
const STRATEGIES: Record<number, MultitaskStrategyName> = {
  [MultitaskStrategy.UNSPECIFIED]: "reject",
  [MultitaskStrategy.REJECT]: "reject",
  [MultitaskStrategy.INTERRUPT]: "interrupt",
  [MultitaskStrategy.ROLLBACK]: "rollback",
  [MultitaskStrategy.ENQUEUE]: "enqueue",
};
const DISCONNECT: Record<number, OnDisconnectName> = {
  [OnDisconnect.UNSPECIFIED]: "cancel",
  [OnDisconnect.CANCEL]: "cancel",
  [OnDisconnect.CONTINUE]: "continue",
};
const CANCEL_ACTIONS: Record<number, CancelActionName> = {
  [CancelAction.UNSPECIFIED]: "interrupt",
  [CancelAction.INTERRUPT]: "interrupt",
  [CancelAction.ROLLBACK]: "rollback",
};
const CONFIG_KEYS = new Set(["configurable", "tags", "recursion_limit"]);
const COMMAND_KEYS = new Set(["resume", "goto", "update"]);

/** A resource id: 1..128 characters, no control characters. Anything else is looked up and simply not found. */
export function requireId(field: string, value: string): string {
  if (value === "") throw invalidArgument(field, "required");
  if (value.length > MAX_ID_LENGTH) throw invalidArgument(field, `at most ${MAX_ID_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalidArgument(field, "must not contain control characters");
  return value;
}

function enumValue<T>(field: string, table: Record<number, T>, value: number, allowed: string): T {
  const name = table[value];
  if (name === undefined) throw invalidArgument(field, `unknown value ${value}; expected one of ${allowed}`);
  return name;
}

/** Refuses JSON a store or graph should never see: too deep, or non-finite numbers. */
export function checkJson(field: string, value: JsonValue | undefined, depth = 0): void {
  if (value === null || value === undefined) return;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalidArgument(field, "numbers must be finite (no NaN or Infinity)");
    return;
  }
  if (typeof value !== "object") return;
  if (depth >= MAX_JSON_DEPTH) throw invalidArgument(field, `nested deeper than ${MAX_JSON_DEPTH} levels`);
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkJson(`${field}[${i}]`, v, depth + 1));
    return;
  }
  for (const [key, v] of Object.entries(value)) checkJson(`${field}.${key}`, v, depth + 1);
}

function optionalObject(field: string, value: JsonObject | undefined): JsonObject | null {
  if (value === undefined) return null;
  checkJson(field, value);
  return value;
}

export function parseRunCreate(run: RunCreate | undefined, graphs: GraphRegistry): RunSpec {
  if (!run) throw invalidArgument("run", "required");
  if (run.assistantId === "") throw invalidArgument("run.assistant_id", "required");
  requireId("run.assistant_id", run.assistantId);
  const graph = graphs.get(run.assistantId);
  if (!graph) throw new AssistantNotFoundError("run.assistant_id", run.assistantId, graphs.ids());

  const given = run.threadId === "" ? null : threadId("run.thread_id", run.threadId);
  const command = optionalObject("run.command", run.command);
  const input = optionalObject("run.input", run.input);
  if (input && command) throw invalidArgument("run.command", "give either run.input or run.command, not both");
  checkInputMessages(input);
  if (command) {
    for (const key of Object.keys(command)) {
      if (!COMMAND_KEYS.has(key)) throw invalidArgument(`run.command.${key}`, "unknown key; expected resume, goto or update");
    }
  }
  const config = optionalObject("run.config", run.config);
  if (config) {
    for (const key of Object.keys(config)) {
      if (!CONFIG_KEYS.has(key)) throw invalidArgument(`run.config.${key}`, "unknown key; expected configurable, tags or recursion_limit");
    }
    const { configurable, tags, recursion_limit: limit } = config;
    // JSON null is how many clients say "not set" (DeerFlow's `configurable: None`).
    if (configurable === null) delete config["configurable"];
    else if (configurable !== undefined && (typeof configurable !== "object" || Array.isArray(configurable))) {
      throw invalidArgument("run.config.configurable", "must be an object");
    }
    if (tags !== undefined && !(Array.isArray(tags) && tags.every((t) => typeof t === "string"))) {
      throw invalidArgument("run.config.tags", "must be a list of strings");
    }
    if (limit !== undefined && !(typeof limit === "number" && Number.isInteger(limit) && limit >= 1 && limit <= 10_000)) {
      throw invalidArgument("run.config.recursion_limit", "must be an integer between 1 and 10000");
    }
  }
  const context = optionalObject("run.context", run.context);
  const metadata = optionalObject("run.metadata", run.metadata) ?? {};
  const streamModes: StreamModeName[] = [];
  run.streamMode.forEach((mode, i) => {
    const name = enumValue(`run.stream_mode[${i}]`, STREAM_MODES, mode, Object.values(STREAM_MODES).join(", "));
    if (!streamModes.includes(name)) streamModes.push(name);
  });
  if (streamModes.length === 0) streamModes.push("values");
  const multitaskStrategy = enumValue("run.multitask_strategy", STRATEGIES, run.multitaskStrategy, "reject, interrupt, rollback, enqueue");
  const onDisconnect = enumValue("run.on_disconnect", DISCONNECT, run.onDisconnect, "cancel, continue");
  const nodeList = (field: string, names: string[]) => {
    names.forEach((name, i) => {
      if (name !== "*" && !graph.nodeNames.has(name)) {
        throw invalidArgument(`${field}[${i}]`, `"${name}" is not a node of ${run.assistantId} (nodes: ${[...graph.nodeNames].join(", ")}, or "*")`);
      }
    });
    return [...new Set(names)];
  };
  const interruptBefore = nodeList("run.interrupt_before", run.interruptBefore);
  const interruptAfter = nodeList("run.interrupt_after", run.interruptAfter);
  const thread = resolveThreadId(given, config);
  let checkpointId: string | null = null;
  if (run.checkpointId !== "") {
    if (thread === null) throw invalidArgument("run.checkpoint_id", "needs run.thread_id: a new thread has no checkpoints");
    if (!/^[0-9A-Za-z-]{1,128}$/.test(run.checkpointId)) throw invalidArgument("run.checkpoint_id", "must be a checkpoint id (letters, digits, '-')");
    checkpointId = run.checkpointId;
  }
  return {
    assistantId: run.assistantId,
    threadId: thread,
    metadata,
    multitaskStrategy,
    kwargs: {
      // No input and no command: an empty input, as DeerFlow runs it (LangGraph itself would raise EmptyInputError).
      input: input ?? (command ? null : {}),
      command,
      config,
      context,
      streamModes,
      interruptBefore,
      interruptAfter,
      checkpointId,
      streamSubgraphs: run.streamSubgraphs,
      onDisconnect,
    },
  };
}

/** A thread id: a UUID (normalised to lower case) or DeerFlow's letters, digits, `_` and `-`, up to 64. */
function threadId(field: string, value: string): string {
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
function checkInputMessages(input: JsonObject | null): void {
  const messages = input?.["messages"];
  if (!Array.isArray(messages)) return;
  messages.forEach((message, i) => {
    try {
      coerceMessageLikeToMessage(message as never);
    } catch {
      throw invalidArgument(
        `run.input.messages[${i}]`,
        "not a message: give a role (user, assistant, system, tool) or type, and content; a tool message needs tool_call_id",
      );
    }
  });
}

export function parseCancelAction(action: CancelAction): CancelActionName {
  return enumValue("action", CANCEL_ACTIONS, action, "interrupt, rollback");
}

export function parseMessagePage(limit: number | undefined, beforeSeq: bigint | undefined, afterSeq: bigint | undefined): MessagePageQuery {
  if (limit !== undefined && (limit < 1 || limit > MAX_PAGE_LIMIT)) {
    throw invalidArgument("limit", `must be between 1 and ${MAX_PAGE_LIMIT} (or unset for ${DEFAULT_PAGE_LIMIT})`);
  }
  if (beforeSeq !== undefined && afterSeq !== undefined) throw invalidArgument("before_seq", "give before_seq or after_seq, not both");
  const query: MessagePageQuery = { limit: limit ?? DEFAULT_PAGE_LIMIT };
  if (beforeSeq !== undefined) query.beforeSeq = seqValue("before_seq", beforeSeq);
  if (afterSeq !== undefined) query.afterSeq = seqValue("after_seq", afterSeq);
  return query;
}

function seqValue(field: string, value: bigint): number {
  if (value < 1n) throw invalidArgument(field, "must be >= 1");
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument(field, "too large");
  return Number(value);
}

export function parseLastEventId(value: bigint | undefined): number {
  if (value === undefined) return 0;
  if (value < 0n) throw invalidArgument("last_event_id", "must be >= 0");
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw invalidArgument("last_event_id", "too large");
  return Number(value);
}

export function parseRating(rating: number): 1 | -1 {
  if (rating !== 1 && rating !== -1) throw invalidArgument("rating", "must be 1 or -1");
  return rating;
}

export function parseComment(comment: string): string | null {
  if (comment.length > MAX_COMMENT_LENGTH) throw invalidArgument("comment", `at most ${MAX_COMMENT_LENGTH} characters`);
  return comment === "" ? null : comment;
}
