// The runs executing in this process, and how to stop one of them.
import { RunCancelledError } from "../../domain/errors.js";
import { isJsonObject, type CancelActionName, type JsonObject, type RunRecord } from "../../domain/records.js";
import { RunControl } from "../../runtime/graph-call.js";
import { toJson } from "../../runtime/json.js";

export interface LiveRun {
  run: RunRecord;
  abort: AbortController;
  /** Asks the graph to stop at its next superstep boundary, to be resumed elsewhere (the drain). */
  control: RunControl;
  /** How the run was cancelled, if it was: decides interrupt or rollback once it stops. */
  cancelAction: CancelActionName | null;
  /** Settles when the run is finished and recorded. */
  done: Promise<void>;
  /**
   * Settles once the run's final status and `end` are stored and its thread is free, before the
   * thread's next run is looked for: what a waiter here answers after, with `final`, reading nothing.
   */
  recorded: Promise<void>;
  settle: () => void;
  /** The run as its final update left it; null until then, and for a rolled-back (deleted) run. */
  final: RunRecord | null;
}

/** How long a finished run's final values stay for its waiters. */
const VALUES_LINGER_MS = 5_000;

export class LiveRuns {
  private readonly runs = new Map<string, LiveRun>();
  private readonly values = new Map<string, { state: unknown; json?: JsonObject | null }>();
  /** Set by drainAll: the reason every run here, present or yet to start, is asked to stop at a boundary. */
  private drainReason: string | null = null;

  get size(): number {
    return this.runs.size;
  }

  add(run: RunRecord): LiveRun {
    let settle = () => {};
    const recorded = new Promise<void>((resolve) => (settle = resolve));
    const live: LiveRun = { run, abort: new AbortController(), control: new RunControl(), cancelAction: null, done: Promise.resolve(), recorded, settle, final: null };
    this.runs.set(run.runId, live);
    // A run whose start (a claim, a resumption) was under way when the drain began drains too.
    if (this.drainReason !== null) live.control.requestDrain(this.drainReason);
    return live;
  }

  /** Asks every run here, and every one added from now on, to stop at its next superstep boundary. */
  drainAll(reason: string): void {
    this.drainReason = reason;
    for (const live of this.runs.values()) live.control.requestDrain(reason);
  }

  /**
   * The thread's state a run here ended with, as LangGraph streamed it, for its waiters (kept
   * briefly: they ask right after it ends). Made JSON when first asked for: a run nobody waits
   * on (a stream, a background run) pays no walk of its whole state.
   */
  keepValues(runId: string, state: unknown): void {
    this.values.set(runId, { state });
    setTimeout(() => this.values.delete(runId), VALUES_LINGER_MS).unref();
  }

  /** The kept state as a JSON object; undefined when none is kept or it is not an object. */
  finalValues(runId: string): JsonObject | undefined {
    const kept = this.values.get(runId);
    if (!kept) return undefined;
    if (kept.json === undefined) {
      const json = toJson(kept.state);
      kept.json = isJsonObject(json) ? json : null;
    }
    return kept.json ?? undefined;
  }

  get(runId: string): LiveRun | undefined {
    return this.runs.get(runId);
  }

  has(runId: string): boolean {
    return this.runs.has(runId);
  }

  delete(runId: string): void {
    this.runs.delete(runId);
  }

  all(): LiveRun[] {
    return [...this.runs.values()];
  }

  /** Aborts a live run; the first cancel decides its action. */
  stop(live: LiveRun, action: CancelActionName): void {
    live.cancelAction ??= action;
    if (!live.abort.signal.aborted) live.abort.abort(new RunCancelledError(action));
  }
}
