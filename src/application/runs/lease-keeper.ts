// Leases: this replica renews its claim on the runs it executes (and picks up
// cancel requests made on other replicas), marks runs of dead replicas
// interrupted once their lease lapses (or resumes them, when a draining
// replica handed them back at a superstep boundary), and now and then starts
// queued runs whose scheduling was lost with a replica and finishes deletes cut short.
import type { RunsContext } from "./context.js";
import type { Finisher } from "./finisher.js";
import type { LiveRun } from "./live-runs.js";
import { finishDelete } from "./run-resources.js";
import type { Scheduler } from "./scheduler.js";

const EXPIRED_BATCH = 50;
/** Every how many ticks old pending runs and deletes cut short are swept. */
const SWEEP_EVERY = 10;

export class LeaseKeeper {
  /** Renewals tick on their own: a slow sweep (twenty hand-overs to resume) must not let this replica's leases lapse. */
  private readonly renewTimer: NodeJS.Timeout;
  private readonly workTimer: NodeJS.Timeout;
  private renewing = false;
  private ticking = false;
  private ticks = 0;
  /** Draining: leases of the runs still here are renewed, but no other work is taken. */
  private renewOnly = false;

  constructor(
    private readonly ctx: RunsContext,
    private readonly finisher: Finisher,
    private readonly scheduler: Scheduler,
  ) {
    const everyMs = Math.max(50, Math.min(1000, Math.floor(ctx.options.leaseMs / 3)));
    this.renewTimer = setInterval(() => void this.renewLeases(), everyMs);
    this.workTimer = setInterval(() => void this.tick(), everyMs);
    this.renewTimer.unref();
    this.workTimer.unref();
  }

  stop(): void {
    clearInterval(this.renewTimer);
    clearInterval(this.workTimer);
  }

  /** From the drain on: runs still draining here keep their leases (a peer would reap them), nothing new is taken. */
  renewOnlyFromNow(): void {
    this.renewOnly = true;
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.renewOnly) return;
    this.ticking = true;
    try {
      await this.reapExpired();
      if (++this.ticks % SWEEP_EVERY === 0) {
        await this.sweepPending();
        await this.sweepDeleting();
      }
    } finally {
      this.ticking = false;
    }
  }

  /**
   * All at once, each only while this replica still holds the run: a renewal landing after a
   * hand-back must not push out the lease the next replica waits on. A run no longer held here
   * (another replica reaped it when a renewal came too late) is stopped, and records nothing.
   */
  private async renewLeases(): Promise<void> {
    if (this.renewing) return;
    this.renewing = true;
    const { stores, live, options, logger } = this.ctx;
    const renew = async (running: LiveRun) => {
      const { runId } = running.run;
      try {
        const renewed = await stores.runs.update(runId, { leaseUntil: new Date(Date.now() + options.leaseMs) }, ["running"], undefined, options.replicaId);
        if (renewed?.cancelRequested) live.stop(running, renewed.cancelRequested);
        if (!renewed && live.get(runId) === running) {
          logger.warn({ run_id: runId }, "run no longer held by this replica (its lease lapsed); stopping it here");
          live.stop(running, "interrupt");
        }
      } catch (error) {
        logger.warn({ err: error, run_id: runId }, "lease renewal failed");
      }
    };
    await Promise.all(live.all().map(renew)).finally(() => (this.renewing = false));
  }

  /**
   * Runs whose owner stopped renewing its lease (the replica died) are marked
   * interrupted by whichever replica notices first, and their thread moves on.
   */
  private async reapExpired(): Promise<void> {
    const { stores, live, logger } = this.ctx;
    try {
      const now = new Date();
      for (const run of await stores.runs.listExpired(now, EXPIRED_BATCH)) {
        if (live.has(run.runId)) continue;
        if (run.handover?.resumable && run.status === "running") {
          await this.scheduler.resume(run, now);
          continue;
        }
        const error = { name: "ReplicaLost", message: "the replica running this run stopped; its lease expired" };
        const patch = { status: "interrupted" as const, error, updatedAt: new Date(), ownerId: null, leaseUntil: null };
        const lost = await stores.runs.update(run.runId, patch, ["running"], now);
        if (!lost) continue;
        logger.warn({ run_id: run.runId, owner_id: run.ownerId }, "run lost with its replica: marked interrupted");
        await this.finisher.record(lost, "interrupt");
        await stores.threads.release(lost.threadId, lost.runId, "error");
        await this.scheduler.scheduleNext(lost.threadId);
      }
    } catch (error) {
      logger.warn({ err: error }, "reaping expired runs failed");
    }
  }

  /**
   * A queued run is started by whoever frees its thread; if that replica died
   * in between, the run would wait forever. Try to start old pending runs
   * whose thread is free (a no-op while the thread is busy).
   */
  private async sweepPending(): Promise<void> {
    const { stores, options, logger } = this.ctx;
    try {
      const stale = await stores.runs.listPendingBefore(new Date(Date.now() - options.leaseMs), EXPIRED_BATCH);
      for (const threadId of new Set(stale.map((r) => r.threadId))) await this.scheduler.scheduleNext(threadId);
    } catch (error) {
      logger.warn({ err: error }, "sweeping pending runs failed");
    }
  }

  /**
   * A DeleteRun cut short (the database went away, the replica died) and
   * never repeated would leave the hidden run and its rows stored for good.
   * Its steps are idempotent, so finishing one still in progress elsewhere is harmless.
   */
  private async sweepDeleting(): Promise<void> {
    const { stores, logger } = this.ctx;
    try {
      for (const run of await stores.runs.listDeleting(EXPIRED_BATCH)) await finishDelete(this.ctx, run.runId);
    } catch (error) {
      logger.warn({ err: error }, "finishing deletes cut short failed");
    }
  }
}
