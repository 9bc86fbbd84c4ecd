// The built-in demo assistant: a tiny tool-calling agent that needs no model
// key. The "model" is @langchain/core's FakeListChatModel, so `messages` mode
// streams real token chunks. Knobs in `context` (or config.configurable) make
// it slow, chatty or failing, which tests and benchmarks use:
//   delay_ms       sleep this long in each node (cancel, disconnect, multitask), at most 2 min
//   custom_events  emit this many custom events from the tool node, at most 10,000
//   fail           throw from the agent node ("boom" or the given message)
//   interrupt      ask a human (LangGraph interrupt) before answering
import { AIMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { z } from "zod";
import { END, interrupt, MessagesAnnotation, START, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";

interface DemoKnobs {
  delayMs: number;
  customEvents: number;
  fail: string | null;
  interrupt: boolean;
}

/**
 * Any caller can turn these knobs, so each is capped; a value beyond a cap is
 * clamped to it, not refused, as values below 0 or not numbers always were:
 * only the graph knows its knobs (the service cannot answer INVALID_ARGUMENT
 * for them), and the bench's idle streams ask for 600 s to sleep through a
 * window of under a minute. 2 min per node covers the tests' longest (60 s);
 * 10,000 events (a few MB stored) match the bench's largest burst.
 */
export const DEMO_KNOB_CAPS = { delayMs: 120_000, customEvents: 10_000 } as const;

export function knobs(config: LangGraphRunnableConfig): DemoKnobs {
  const source = { ...(config.configurable ?? {}), ...((config as { context?: Record<string, unknown> }).context ?? {}) };
  const delay = Number(source["delay_ms"] ?? 0);
  const custom = Number(source["custom_events"] ?? 0);
  const fail = source["fail"];
  return {
    delayMs: Number.isFinite(delay) ? Math.min(Math.max(delay, 0), DEMO_KNOB_CAPS.delayMs) : 0,
    customEvents: Number.isFinite(custom) ? Math.min(Math.max(Math.trunc(custom), 0), DEMO_KNOB_CAPS.customEvents) : 0,
    fail: fail === true ? "boom" : typeof fail === "string" && fail ? fail : null,
    interrupt: source["interrupt"] === true,
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        reject(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
      },
      { once: true },
    );
  });
}

function textOf(message: BaseMessage | undefined): string {
  if (!message) return "";
  return typeof message.content === "string" ? message.content : JSON.stringify(message.content);
}

async function agent(state: typeof MessagesAnnotation.State, config: LangGraphRunnableConfig) {
  const k = knobs(config);
  await sleep(k.delayMs, config.signal);
  if (k.fail) throw new Error(k.fail);
  const last = state.messages.at(-1);
  if (last?.getType() === "human") {
    // First turn: call the word-count tool on the user's text.
    return {
      messages: [
        new AIMessage({
          content: "",
          tool_calls: [{ id: `call_${crypto.randomUUID().slice(0, 8)}`, name: "word_count", args: { text: textOf(last) } }],
        }),
      ],
    };
  }
  let answer = `The text has ${textOf(last)} words.`;
  if (k.interrupt) {
    const approved = interrupt({ question: "Send this answer?", answer });
    answer = approved === true || approved === "yes" ? answer : `Not sent: ${JSON.stringify(approved)}`;
  }
  const model = new FakeListChatModel({ responses: [answer] });
  const reply = await model.invoke(state.messages, config);
  return { messages: [new AIMessage({ content: textOf(reply), id: reply.id })] };
}

/** A real LangChain tool, so a run's trace shows a tool call as LangChain callbacks report it. */
const wordCount = tool(
  ({ text }) => {
    const words = text.trim() ? text.trim().split(/\s+/).length : 0;
    return String(words);
  },
  {
    name: "word_count",
    description: "Counts the words of a text",
    schema: z.object({ text: z.string() }),
  },
);

async function tools(state: typeof MessagesAnnotation.State, config: LangGraphRunnableConfig) {
  const k = knobs(config);
  await sleep(k.delayMs, config.signal);
  const call = (state.messages.at(-1) as AIMessage | undefined)?.tool_calls?.[0];
  if (!call) return { messages: [] };
  for (let i = 0; i < k.customEvents; i++) config.writer?.({ progress: i + 1, of: k.customEvents });
  const text = String((call.args as { text?: unknown }).text ?? "");
  const words: string = await wordCount.invoke({ text }, config);
  return { messages: [new ToolMessage({ content: words, tool_call_id: call.id ?? "", name: call.name })] };
}

function route(state: typeof MessagesAnnotation.State): "tools" | typeof END {
  const last = state.messages.at(-1) as AIMessage | undefined;
  return last?.tool_calls?.length ? "tools" : END;
}

/** An uncompiled builder: the runtime compiles it with its own checkpointer. */
export const demoGraph = new StateGraph(MessagesAnnotation)
  .addNode("agent", agent)
  .addNode("tools", tools)
  .addEdge(START, "agent")
  .addConditionalEdges("agent", route, ["tools", END])
  .addEdge("tools", "agent");
