// A LangChain callback handler that turns a graph's callbacks into spans under
// the run's span: one per graph node, LLM (chat model) call and tool call.
// The graph's own chain and LangGraph's internal runnables (channel writes,
// branches) get no span; their children hang under the nearest span above.
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { Serialized } from "@langchain/core/load/serializable";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span, type Tracer } from "@opentelemetry/api";
import { bounded as cut } from "../domain/trace-context.js";


export class GraphSpans extends BaseCallbackHandler {
  name = "agent_runs_tracing";
  /** Open spans by LangChain run id. */
  private readonly spans = new Map<string, Span>();
  /** LangChain runs without a span of their own: the span their children go under. */
  private readonly hidden = new Map<string, Span>();

  constructor(
    private readonly tracer: Tracer,
    private readonly runSpan: Span,
    private readonly attributes: Attributes,
  ) {
    // Awaited, not queued in the background: a span must start and end when its node does, and before the run span ends.
    super({ _awaitHandler: true });
  }

  /** The one handler of a run is never copied: copies would not share its open spans. */
  override copy(): this {
    return this;
  }

  private parentOf(parentRunId: string | undefined): Span {
    if (parentRunId === undefined) return this.runSpan;
    return this.spans.get(parentRunId) ?? this.hidden.get(parentRunId) ?? this.runSpan;
  }

  private open(runId: string, parentRunId: string | undefined, name: string, attributes: Attributes): void {
    // The parent is explicit: LangChain may call back in any async context.
    const parent = trace.setSpan(ROOT_CONTEXT, this.parentOf(parentRunId));
    const span = this.tracer.startSpan(cut(name), { kind: SpanKind.INTERNAL, attributes: { ...this.attributes, ...attributes } }, parent);
    this.spans.set(runId, span);
  }

  private close(runId: string, error?: unknown): void {
    const span = this.spans.get(runId);
    this.hidden.delete(runId);
    if (!span) return;
    this.spans.delete(runId);
    if (error !== undefined) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: cut(error instanceof Error ? error.message : String(error)) });
    }
    span.end();
  }

  /** Ends what an aborted run left open (a node cut off by a cancel or the time limit). */
  endOpen(): void {
    for (const span of this.spans.values()) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: "the run stopped before this ended" });
      span.end();
    }
    this.spans.clear();
    this.hidden.clear();
  }

  // CallbackManager calls this as (chain, inputs, runId, parentRunId, tags, metadata, runType, runName),
  // whatever the declared parameter names say; the names here follow the call.
  override handleChainStart(_chain: Serialized, _inputs: unknown, runId: string, parentRunId?: string, _tags?: string[], metadata?: Record<string, unknown>, _runType?: string, runName?: string): void {
    const node = metadata?.["langgraph_node"];
    // A node's chain is named after the node (LangGraph's own __start__ aside); all else inside it is plumbing.
    if (typeof node === "string" && runName === node && !node.startsWith("__")) {
      const step = metadata?.["langgraph_step"];
      this.open(runId, parentRunId, `node ${node}`, { "langgraph.node": node, ...(typeof step === "number" ? { "langgraph.step": step } : {}) });
    } else {
      this.hidden.set(runId, this.parentOf(parentRunId));
    }
  }

  override handleChainEnd(_outputs: unknown, runId: string): void {
    this.close(runId);
  }

  override handleChainError(error: Error, runId: string): void {
    this.close(runId, error);
  }

  override handleChatModelStart(llm: Serialized, _messages: unknown, runId: string, parentRunId?: string, extraParams?: Record<string, unknown>, _tags?: string[], metadata?: Record<string, unknown>, runName?: string): void {
    this.openModel(llm, runId, parentRunId, extraParams, metadata, runName);
  }

  override handleLLMStart(llm: Serialized, _prompts: string[], runId: string, parentRunId?: string, extraParams?: Record<string, unknown>, _tags?: string[], metadata?: Record<string, unknown>, runName?: string): void {
    this.openModel(llm, runId, parentRunId, extraParams, metadata, runName);
  }

  private openModel(llm: Serialized, runId: string, parentRunId: string | undefined, extraParams: Record<string, unknown> | undefined, metadata: Record<string, unknown> | undefined, runName: string | undefined): void {
    const params = (extraParams?.["invocation_params"] ?? {}) as Record<string, unknown>;
    const model = params["model"] ?? params["model_name"] ?? metadata?.["ls_model_name"];
    const name = runName ?? llm.id?.at(-1) ?? "model";
    const attributes: Attributes = { "gen_ai.operation.name": "chat", "langchain.name": cut(String(name)) };
    if (typeof model === "string") attributes["gen_ai.request.model"] = cut(model);
    const provider = metadata?.["ls_provider"];
    if (typeof provider === "string") attributes["gen_ai.provider.name"] = cut(provider);
    this.open(runId, parentRunId, `chat ${typeof model === "string" ? model : name}`, attributes);
  }

  override handleLLMEnd(output: { llmOutput?: Record<string, unknown> | undefined }, runId: string): void {
    const usage = (output.llmOutput?.["tokenUsage"] ?? output.llmOutput?.["usage"]) as Record<string, unknown> | undefined;
    const span = this.spans.get(runId);
    if (span && usage) {
      const input = usage["promptTokens"] ?? usage["input_tokens"];
      const outputTokens = usage["completionTokens"] ?? usage["output_tokens"];
      if (typeof input === "number") span.setAttribute("gen_ai.usage.input_tokens", input);
      if (typeof outputTokens === "number") span.setAttribute("gen_ai.usage.output_tokens", outputTokens);
    }
    this.close(runId);
  }

  override handleLLMError(error: Error, runId: string): void {
    this.close(runId, error);
  }

  override handleToolStart(tool: Serialized, _input: string, runId: string, parentRunId?: string, _tags?: string[], _metadata?: Record<string, unknown>, runName?: string, toolCallId?: string): void {
    const name = cut(String(runName ?? tool.id?.at(-1) ?? "tool"));
    const attributes: Attributes = { "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name };
    if (toolCallId) attributes["gen_ai.tool.call.id"] = cut(toolCallId);
    this.open(runId, parentRunId, `execute_tool ${name}`, attributes);
  }

  override handleToolEnd(_output: unknown, runId: string): void {
    this.close(runId);
  }

  override handleToolError(error: Error, runId: string): void {
    this.close(runId, error);
  }
}
