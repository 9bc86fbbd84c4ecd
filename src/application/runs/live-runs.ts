// The runs executing in this process, and how to stop one of them.
import { RunCancelledError } from "../../domain/errors.js";
import type { CancelActionName, RunRecord } from "../../domain/records.js";

export interface LiveRun {
  run: RunRecord;
  abort: AbortController;
  /** How the run was cancelled, if it was: decides interrupt or rollback once it stops. */
  cancelAction: CancelActionName | null;
  /** Settles when the run is finished and recorded. */
  done: Promise<void>;
}

export class LiveRuns {
  private readonly runs = new Map<string, LiveRun>();

  get size(): number {
    return this.runs.size;
  }

  add(run: RunRecord): LiveRun {
    const live: LiveRun = { run, abort: new AbortController(), cancelAction: null, done: Promise.resolve() };
    this.runs.set(run.runId, live);
    return live;
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
