// Executes one run on LangGraph and records what it streams: its input
// messages, the stream parts the client asked for, the messages the nodes
// return, and its failure. The outcome says how it ended; recording that is
// the finisher's job.
import { RunCancelledError, RunTimedOutError } from "../../domain/errors.js";
import { isJsonObject, type JsonObject, type RunError, type RunStatus, type SettledThreadStatus } from "../../domain/records.js";
import { graphCall, splitChunk } from "../../runtime/graph-call.js";
import { streamGraph } from "../../runtime/graph-stream.js";
import { toJson } from "../../runtime/json.js";
import { inputMessages, updateMessages } from "../../runtime/messages.js";
import type { RunBase } from "../../runtime/run-bases.js";
import type { RunsContext } from "./context.js";
import { EventWriter } from "./event-writer.js";
import type { LiveRun } from "./live-runs.js";
import { RollbackBase } from "./rollback-base.js";

export interface RunOutcome {
  status: RunStatus;
  error: RunError | null;
  /** The thread's checkpoint before the run: where a rollback returns to (rollback-base.ts). */
  baseCheckpointId: RunBase;
  writer: EventWriter;
  /**
   * How the run leaves its thread, known from its stream (no state read):
   * interrupted when the graph's updates said it stopped at an interrupt
   * (interrupt(), or interrupt_before/after); null for a rollback, which puts
   * the thread back as it was.
   */
  threadStatus: SettledThreadStatus | null;
  /** The thread's state values after a successful run, from its stream (null when it streamed none). */
  values?: JsonObject | null;
}

/** `callbacks`: handed to the graph call (the run's tracing spans; absent when tracing is off). */
export async function executeRun(ctx: RunsContext, live: LiveRun, callbacks?: unknown[]): Promise<RunOutcome> {
  const { run, abort } = live;
  const writer = new EventWriter(
    ctx.stores.events,
    ctx.bus,
    run.threadId,
    run.runId,
    ctx.options.storeRetryMs,
    (error) => {
      ctx.logger.error({ err: error, run_id: run.runId }, "storing run events failed; stopping the run");
      abort.abort(error);
    },
    (rows) => ctx.cache.add(run.runId, rows),
  );
  const base = new RollbackBase(ctx, run);
  // The time limit counts from here, when the run starts executing (not while it was queued).
  const limitSeconds = run.kwargs.timeoutSeconds ?? ctx.options.runTimeoutSeconds;
  const limit = setTimeout(() => abort.abort(new RunTimedOutError(limitSeconds)), limitSeconds * 1000);
  try {
    const registered = ctx.graphs.get(run.assistantId);
    if (!registered) throw Object.assign(new Error(`assistant ${run.assistantId} is not registered`), { name: "AssistantNotFound" });
    await base.beforeRun();
    for (const message of inputMessages(run.kwargs.input)) writer.add({ kind: "message", data: message });
    const call = graphCall(run, abort.signal, callbacks);
    let stopped = false;
    // The root graph's last `values` chunk is the thread's state after the run: its waiters need no state read.
    let lastValues: unknown;
    await streamGraph(registered.graph, call.input, call.options, (chunk) => {
      const [namespace, mode, data] = splitChunk(chunk, run.kwargs.streamSubgraphs);
      if (mode === "values" && namespace.length === 0 && !isInterruptUpdate(data)) lastValues = data;
      if (mode === "updates" && namespace.length === 0) {
        if (isInterruptUpdate(data)) stopped = true;
        for (const message of updateMessages(data)) writer.add({ kind: "message", data: message });
      }
      if (call.wanted.has(mode as never)) writer.add({ kind: "part", mode: mode as never, namespace, data: toJson(data) });
    });
    const values = lastValues === undefined ? null : toJson(lastValues);
    return { status: "success", error: null, baseCheckpointId: await base.take(), writer, threadStatus: stopped ? "interrupted" : "idle", values: isJsonObject(values) ? values : null };
  } catch (thrown) {
    const reason: unknown = abort.signal.aborted ? abort.signal.reason : thrown;
    if (reason instanceof RunCancelledError) {
      return { status: "interrupted", error: null, baseCheckpointId: await base.take(), writer, threadStatus: reason.action === "rollback" ? null : "idle" };
    }
    const error = describeFailure(reason);
    writer.add({ kind: "error", data: error });
    return { status: reason instanceof RunTimedOutError ? "timeout" : "error", error, baseCheckpointId: await base.take(), writer, threadStatus: "error" };
  } finally {
    clearTimeout(limit);
  }
}

/** LangGraph's root `updates` chunk for a graph that stopped at an interrupt: `{ __interrupt__: [...] }` (empty for interrupt_before/after). */
function isInterruptUpdate(data: unknown): boolean {
  return typeof data === "object" && data !== null && "__interrupt__" in data;
}

function describeFailure(reason: unknown): RunError {
  if (reason instanceof Error) return { name: String(reason.name), message: String(reason.message) };
  try {
    return { name: "Error", message: String(reason) };
  } catch {
    // e.g. `throw Object.create(null)`: String() itself throws, and the run must still end.
    return { name: "Error", message: "the graph threw a value that cannot be converted to text" };
  }
}
