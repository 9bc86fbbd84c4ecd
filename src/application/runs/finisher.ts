// Records how a run ended: its final status, its `end` event, and for a
// rollback the thread's state put back and the run deleted with its events
// and feedback. Rides out database outages within the retry budget.
import type { NewEvent } from "../../domain/events.js";
import type { CancelActionName, RunError, RunRecord, RunStatus } from "../../domain/records.js";
import type { RunBase } from "../../runtime/run-bases.js";
import { retryUnavailable } from "../../stores/retry.js";
import type { RunsContext } from "./context.js";
import type { EventWriter } from "./event-writer.js";
import { finishDelete } from "./run-resources.js";
import { releaseUserSlot } from "./user-slots.js";

export class Finisher {
  constructor(private readonly ctx: RunsContext) {}

  /** Retries a call through a database outage, logging each retry. */
  retry<T>(runId: string, call: () => Promise<T>): Promise<T> {
    const { options, logger } = this.ctx;
    return retryUnavailable(call, options.storeRetryMs, () => logger.warn({ run_id: runId }, "database unavailable; retrying"));
  }

  /**
   * Stores a finished run's status and its end (or undoes it all, for a rollback), and frees its
   * thread with `release`: the end and the release are independent writes, sent together (one
   * round trip), both after the status, so whoever sees either sees the run terminal. Returns the run
   * as its final update left it (null if it was no longer running here).
   */
  async finish(
    run: RunRecord,
    writer: EventWriter,
    ended: { status: RunStatus; error: RunError | null },
    cancelAction: CancelActionName | null,
    base: RunBase,
    release: () => Promise<void>,
  ): Promise<RunRecord | null> {
    const { stores } = this.ctx;
    // What is still queued then is stored with the end: one write for both.
    let rest: NewEvent[] = [];
    try {
      rest = await writer.close();
    } catch {
      // Already logged by the writer; the run still gets its final status below.
    }
    const patch = { status: ended.status, error: ended.error, updatedAt: new Date(), ownerId: null, leaseUntil: null };
    // Only while this replica holds it: one that lost it (its lease lapsed, another reaped it) records nothing.
    const finished = await this.retry(run.runId, () => stores.runs.update(run.runId, patch, ["running"], undefined, this.ctx.options.replicaId));
    if (cancelAction === "rollback") await this.rollbackState(run, base);
    const recorded = finished ? this.retry(run.runId, () => this.record(finished, cancelAction ?? "interrupt", rest)) : Promise.resolve();
    await Promise.all([recorded, release()]);
    return finished;
  }

  /**
   * Hands a run its graph drained (this replica is stopping) back to the others: its rows stored,
   * its lease lapsed now and the run marked resumable, so the first replica to see it resumes it
   * from the checkpoint LangGraph saved. It stays running and keeps its thread; no `end`.
   */
  async handBack(run: RunRecord, writer: EventWriter, base: RunBase): Promise<void> {
    const { stores, bus, logger } = this.ctx;
    const rest = await writer.close();
    if (rest.length > 0) await this.retry(run.runId, () => stores.events.append(run.threadId, run.runId, rest));
    // A resumption's base is its first attempt's already (RollbackBase.take): a rollback after any number of hand-overs returns there.
    const baseCheckpointId = base.read ? base.checkpointId : null;
    const handover = { count: (run.handover?.count ?? 0) + 1, resumable: true, baseCheckpointId };
    const patch = { ownerId: null, leaseUntil: new Date(), updatedAt: new Date(), handover };
    await this.retry(run.runId, () => stores.runs.update(run.runId, patch, ["running"], undefined, this.ctx.options.replicaId));
    bus.notify(run.runId);
    logger.info({ run_id: run.runId, handovers: handover.count }, "run drained at a superstep boundary; handed back to be resumed");
  }

  /** Writes a terminal run's `end` event (after `rest`, its rows still unwritten), or deletes it all for a rollback. */
  async record(run: RunRecord, action: CancelActionName, rest: readonly NewEvent[] = []): Promise<void> {
    const { stores, bus, cache } = this.ctx;
    // Kept before anything else, so a run seen ended has its webhook stored (once, however often this is retried).
    await this.ctx.webhooks.enqueue(run);
    // Freed before the end is written: a client that sees the end and starts another run is admitted.
    await releaseUserSlot(this.ctx, run);
    const end = { key: `${run.runId}:end`, kind: "end" as const, data: { status: run.status } };
    cache.add(run.runId, await stores.events.append(run.threadId, run.runId, [...rest, end]));
    // Readers see the end first; then, for a rollback, the run is gone as DeleteRun removes one.
    bus.notify(run.runId);
    if (run.status === "interrupted" && action === "rollback") await finishDelete(this.ctx, run.runId);
  }

  /** Puts the thread back to where it was before the run. */
  private async rollbackState(run: RunRecord, base: RunBase): Promise<void> {
    const registered = this.ctx.graphs.get(run.assistantId);
    // LangGraph never loaded the thread: the run wrote nothing to undo.
    if (!registered || !base.read) return;
    if (base.checkpointId === null) {
      await this.ctx.checkpointer.deleteThread(run.threadId);
      return;
    }
    // An empty update forked from the base checkpoint becomes the thread's latest state.
    await registered.graph.updateState({ configurable: { thread_id: run.threadId, checkpoint_id: base.checkpointId } }, undefined);
  }
}
