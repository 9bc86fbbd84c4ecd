// Turns whatever a LangGraph stream yields into plain JSON, the way the
// LangGraph Platform serializes it: messages become {type, content, id, ...},
// callbacks and functions are dropped, non-finite numbers become null.
import { isBaseMessage, type BaseMessage } from "@langchain/core/messages";
import { isJsonObject, type JsonObject, type JsonValue } from "../domain/records.js";

export { isJsonObject };

const MAX_DEPTH = 64;
const DROPPED_KEYS = new Set(["callbacks", "signal", "writer", "__pregel_send", "__pregel_read"]);

export function messageToJson(message: BaseMessage): JsonObject {
  const m = message as BaseMessage & {
    tool_calls?: unknown;
    invalid_tool_calls?: unknown;
    tool_call_id?: unknown;
    usage_metadata?: unknown;
    status?: unknown;
    artifact?: unknown;
  };
  const out: JsonObject = {
    type: m.getType(),
    content: toJson(m.content),
    id: m.id ?? null,
  };
  if (m.name !== undefined) out["name"] = m.name;
  if (m.tool_calls !== undefined) out["tool_calls"] = toJson(m.tool_calls);
  if (Array.isArray(m.invalid_tool_calls) && m.invalid_tool_calls.length) out["invalid_tool_calls"] = toJson(m.invalid_tool_calls);
  if (m.tool_call_id !== undefined) out["tool_call_id"] = toJson(m.tool_call_id);
  if (m.usage_metadata !== undefined) out["usage_metadata"] = toJson(m.usage_metadata);
  if (m.status !== undefined) out["status"] = toJson(m.status);
  out["additional_kwargs"] = toJson(m.additional_kwargs ?? {});
  out["response_metadata"] = toJson(m.response_metadata ?? {});
  return out;
}

export function toJson(value: unknown, depth = 0): JsonValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "bigint":
      return value.toString();
    case "function":
    case "symbol":
      return null;
  }
  if (depth > MAX_DEPTH) return "[too deep]";
  if (isBaseMessage(value)) return messageToJson(value);
  if (Array.isArray(value)) return value.map((v) => toJson(v, depth + 1));
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return Buffer.from(value).toString("base64");
  if (value instanceof Map) return toJson(Object.fromEntries(value), depth);
  if (value instanceof Set) return toJson([...value], depth);
  if (value instanceof Error) return { name: value.name, message: value.message };
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (v === undefined || typeof v === "function" || DROPPED_KEYS.has(key)) continue;
    out[key] = toJson(v, depth + 1);
  }
  return out;
}
