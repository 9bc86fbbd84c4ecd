// The checkpoint a run's rollback returns its thread to, found without a read
// of the run's own in the usual case: LangGraph's load of the thread when the
// run starts is noted (runtime/run-bases.ts). A run from a given checkpoint
// makes LangGraph load that one instead, so for it the thread's latest is read
// here before the run, as it was for every run before.
import type { RunRecord } from "../../domain/records.js";
import type { RunBase } from "../../runtime/run-bases.js";
import type { RunsContext } from "./context.js";

export class RollbackBase {
  private read: RunBase | null = null;

  constructor(private readonly ctx: RunsContext, private readonly run: RunRecord) {
    ctx.graphs.bases.watch(run.runId);
  }

  /** Before the graph is called: reads the thread's latest checkpoint only when LangGraph will load another. */
  async beforeRun(): Promise<void> {
    // A resumption's base is the one its first attempt found (take() answers it): nothing to read.
    if (!this.run.kwargs.checkpointId || this.run.handover) return;
    const latest = await this.ctx.checkpointer.getTuple({ configurable: { thread_id: this.run.threadId, checkpoint_ns: "" } });
    this.read = { read: true, checkpointId: (latest?.config.configurable?.["checkpoint_id"] as string | undefined) ?? null };
  }

  /** Once the graph has stopped: the base, and the run is no longer watched. */
  async take(): Promise<RunBase> {
    const noted = await this.ctx.graphs.bases.take(this.run.runId);
    // A resumption's LangGraph loaded the checkpoint its drain saved; the run began before that.
    const { handover } = this.run;
    if (handover) return { read: true, checkpointId: handover.baseCheckpointId };
    return this.read ?? noted;
  }
}
