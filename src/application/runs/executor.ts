// Executes one run on LangGraph and records what it streams: its input
// messages, the stream parts the client asked for, the messages the nodes
// return, and its failure. The outcome says how it ended; recording that is
// the finisher's job.
import { RunCancelledError, RunTimedOutError } from "../../domain/errors.js";
import { type RunError, type RunRecord, type RunStatus, type SettledThreadStatus, type StreamModeName } from "../../domain/records.js";
import { graphCall, isDrained, isResumption, splitChunk } from "../../runtime/graph-call.js";
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
  /**
   * The thread's state after a successful run, the root graph's last `values` chunk as LangGraph
   * streamed it (undefined when it streamed none): made JSON only if a waiter asks (LiveRuns.finalValues).
   */
  values?: unknown;
  /** The graph stopped at a superstep boundary because this replica is draining: the run is to be handed back. */
  drained?: boolean;
}

/** `callbacks`: handed to the graph call (the run's tracing spans; absent when tracing is off). */
export async function executeRun(ctx: RunsContext, live: LiveRun, callbacks?: unknown[]): Promise<RunOutcome> {
  const { run, abort } = live;
  const writer = writerFor(ctx, live);
  const base = new RollbackBase(ctx, run);
  // The time limit counts from here, when the run starts executing (not while it was queued).
  const limitSeconds = run.kwargs.timeoutSeconds ?? ctx.options.runTimeoutSeconds;
  const limit = setTimeout(() => abort.abort(new RunTimedOutError(limitSeconds)), limitSeconds * 1000);
  try {
    const registered = ctx.graphs.get(run.assistantId);
    if (!registered) throw Object.assign(new Error(`assistant ${run.assistantId} is not registered`), { name: "AssistantNotFound" });
    await base.beforeRun();
    // A resumption's input was recorded, and applied, by the attempt that drained.
    if (!isResumption(run)) for (const message of inputMessages(run.kwargs.input)) writer.add({ kind: "message", data: message });
    const call = graphCall(run, abort.signal, callbacks, live.control);
    const recorder = new ChunkRecorder(run, call.wanted, writer);
    await streamGraph(registered.graph, call.input, call.options, (chunk) => recorder.record(chunk), () => live.control.drainRequested);
    const threadStatus = recorder.stopped ? "interrupted" : "idle";
    return { status: "success", error: null, baseCheckpointId: await base.take(), writer, threadStatus, values: recorder.lastValues };
  } catch (thrown) {
    const reason: unknown = abort.signal.aborted ? abort.signal.reason : thrown;
    if (isDrained(reason)) return { status: "running", error: null, baseCheckpointId: await base.take(), writer, threadStatus: null, drained: true };
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

function writerFor(ctx: RunsContext, live: LiveRun): EventWriter {
  const { run, abort } = live;
  const onFailure = (error: unknown) => {
    ctx.logger.error({ err: error, run_id: run.runId }, "storing run events failed; stopping the run");
    abort.abort(error);
  };
  // A resumption's rows get keys of their own: reusing the first attempt's would make them look stored already.
  const keyPrefix = run.handover ? `${run.runId}:${run.handover.count}` : run.runId;
  return new EventWriter(ctx.stores.events, ctx.bus, run.threadId, run.runId, ctx.options.storeRetryMs, onFailure, (rows) => ctx.cache.add(run.runId, rows), keyPrefix);
}

/** Records a run's stream chunks: the parts asked for, the messages of root updates, and what the end needs. */
class ChunkRecorder {
  /** The root graph's last `values` chunk: the thread's state after the run, so its waiters need no state read. */
  lastValues: unknown;
  /** Whether the graph stopped at an interrupt. */
  stopped = false;
  /** LangGraph starts a resumption by streaming the checkpoint's values: the drained attempt's last ones. */
  private skipValues: boolean;

  constructor(
    private readonly run: RunRecord,
    private readonly wanted: ReadonlySet<StreamModeName>,
    private readonly writer: EventWriter,
  ) {
    this.skipValues = isResumption(run);
  }

  record(chunk: unknown): void {
    const [namespace, mode, data] = splitChunk(chunk, this.run.kwargs.streamSubgraphs);
    const root = namespace.length === 0;
    if (mode === "values" && root && this.skipValues) {
      this.skipValues = false;
      return;
    }
    if (mode === "values" && root && !isInterruptUpdate(data)) this.lastValues = data;
    if (mode === "updates" && root) {
      if (isInterruptUpdate(data)) this.stopped = true;
      for (const message of updateMessages(data)) this.writer.add({ kind: "message", data: message });
    }
    if (this.wanted.has(mode as StreamModeName)) this.writer.add({ kind: "part", mode: mode as StreamModeName, namespace, data: toJson(data) });
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
