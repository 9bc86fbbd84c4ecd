// A run's messages in LangChain's serialized shape: the input's, with ids
// given up front so stored messages match the state's, and those the nodes
// return in `updates` chunks.
import { randomUUID } from "node:crypto";
import { isBaseMessage } from "@langchain/core/messages";
import { isJsonObject, type JsonObject, type RunKwargs } from "../domain/records.js";
import { messageToJson } from "./json.js";

/** Gives input messages ids up front, so stored messages match the state's. */
export function withMessageIds(kwargs: RunKwargs): RunKwargs {
  const messages = kwargs.input?.["messages"];
  if (!Array.isArray(messages)) return kwargs;
  const withIds = messages.map((m) => (isJsonObject(m) && typeof m["id"] !== "string" ? { ...m, id: randomUUID() } : m));
  return { ...kwargs, input: { ...kwargs.input, messages: withIds } };
}

const ROLE_TO_TYPE: Record<string, string> = { user: "human", human: "human", assistant: "ai", ai: "ai", tool: "tool", system: "system" };

/** The input's messages in LangChain's serialized shape. */
export function inputMessages(input: JsonObject | null): JsonObject[] {
  const messages = input?.["messages"];
  if (!Array.isArray(messages)) return [];
  return messages.filter(isJsonObject).map((m) => {
    const { role, type, ...rest } = m;
    const kind = ROLE_TO_TYPE[String(type ?? role ?? "human")] ?? String(type ?? role);
    return { type: kind, ...rest, content: m["content"] ?? "" };
  });
}

/** Messages a node returned in an `updates` chunk. */
export function updateMessages(update: unknown): JsonObject[] {
  if (!update || typeof update !== "object") return [];
  const out: JsonObject[] = [];
  for (const nodeUpdate of Object.values(update as Record<string, unknown>)) {
    const messages = (nodeUpdate as { messages?: unknown } | null)?.messages;
    const list = Array.isArray(messages) ? messages : messages ? [messages] : [];
    for (const m of list) if (isBaseMessage(m)) out.push(messageToJson(m));
  }
  return out;
}
