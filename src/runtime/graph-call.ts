// What LangGraph is called with for a run: a pure function of the run record,
// so every replica that starts the run calls the graph the same way.
import { Command, isGraphDrained, RunControl } from "@langchain/langgraph";
import { isJsonObject, type RunRecord, type StreamModeName } from "../domain/records.js";

export interface GraphCall {
  /** The graph input, or a Command (resume, goto, update). */
  input: unknown;
  /** The stream() options: config, stream modes, interrupts, the abort signal. */
  options: Record<string, unknown>;
  /** The modes the client asked for; `updates` is always streamed too, for messages, and `values`, for the final state. */
  wanted: ReadonlySet<StreamModeName>;
}

/** Asks a run's graph to stop at its next superstep boundary (the drain); one per run. */
export { RunControl };

/** Whether a graph stopped because its RunControl asked it to (its checkpoint is saved). */
export const isDrained = (error: unknown): boolean => isGraphDrained(error);

/** Whether the run was handed back by a draining replica: it goes on from the thread's checkpoint. */
export const isResumption = (run: RunRecord): boolean => run.handover !== undefined;

/**
 * `callbacks`: LangChain callback handlers for this run (the tracing spans), absent when tracing is off.
 * `control`: the run's drain control.
 */
export function graphCall(run: RunRecord, signal: AbortSignal, callbacks?: unknown[], control?: RunControl): GraphCall {
  const { kwargs } = run;
  const resuming = isResumption(run);
  const userConfig = kwargs.config ?? {};
  const configurable: Record<string, unknown> = {
    ...(isJsonObject(userConfig["configurable"]) ? userConfig["configurable"] : {}),
    thread_id: run.threadId,
    run_id: run.runId,
  };
  // A resumption goes on from the thread's latest checkpoint, the one its drain saved.
  if (kwargs.checkpointId && !resuming) configurable["checkpoint_id"] = kwargs.checkpointId;
  const options: Record<string, unknown> = {
    configurable,
    // `values` too: the root graph's last values chunk answers WaitRun without a state read.
    streamMode: [...new Set([...kwargs.streamModes, "updates" as const, "values" as const])],
    subgraphs: kwargs.streamSubgraphs,
    signal,
    runId: run.runId,
    metadata: { run_id: run.runId, thread_id: run.threadId, assistant_id: run.assistantId },
  };
  if (kwargs.context) options["context"] = kwargs.context;
  if (callbacks) options["callbacks"] = callbacks;
  if (control) options["control"] = control;
  if (kwargs.durability) options["durability"] = kwargs.durability;
  if (kwargs.interruptBefore.length) options["interruptBefore"] = kwargs.interruptBefore.includes("*") ? "*" : kwargs.interruptBefore;
  if (kwargs.interruptAfter.length) options["interruptAfter"] = kwargs.interruptAfter.includes("*") ? "*" : kwargs.interruptAfter;
  if (typeof userConfig["recursion_limit"] === "number") options["recursionLimit"] = userConfig["recursion_limit"];
  if (Array.isArray(userConfig["tags"])) options["tags"] = userConfig["tags"];
  // Null input: LangGraph resumes the saved checkpoint's pending tasks (the input or command was applied before).
  const input = resuming ? null : kwargs.command ? new Command(kwargs.command as never) : kwargs.input;
  return { input, options, wanted: new Set(kwargs.streamModes) };
}

/** One chunk of a stream, whatever the subgraphs setting: [namespace, mode, data]. */
export function splitChunk(chunk: unknown, subgraphs: boolean): [string[], string, unknown] {
  const [namespace, mode, data] = (subgraphs ? chunk : [[], ...(chunk as unknown[])]) as [unknown[], string, unknown];
  return [namespace.map(String), mode, data];
}
