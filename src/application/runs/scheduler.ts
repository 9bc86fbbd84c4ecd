// Starts runs: the next pending run of a thread once the thread is free, or a
// run whose thread was just claimed. A started run executes here, records
// how it ended, frees its thread and starts the thread's next run.
import type { StoredStreamEvent } from "../../domain/events.js";
import type { RunRecord, SettledThreadStatus } from "../../domain/records.js";
import type { RunsContext } from "./context.js";
import { inRunSpan } from "../../runtime/tracing.js";
import { executeRun } from "./executor.js";
import type { Finisher } from "./finisher.js";
import type { LiveRun } from "./live-runs.js";

/** A run's stored events as its creator knows them, so starting it needs no read. */
export interface RunEventsSeed {
  runId: string;
  events: StoredStreamEvent[];
}

const PRELOAD_EVENTS = 512;

export class Scheduler {
  /** Draining: runs queued behind one ending here are left to the other replicas' sweep. */
  private starting = true;

  constructor(
    private readonly ctx: RunsContext,
    private readonly finisher: Finisher,
  ) {}

  stopStarting(): void {
    this.starting = false;
  }

  /**
   * Starts the thread's oldest pending run if the thread is free. `afterRelease`: the look of a run
   * whose release said runs may be queued; finding none pending, it clears that mark.
   */
  async scheduleNext(threadId: string, seed?: RunEventsSeed, afterRelease = false): Promise<void> {
    const { stores } = this.ctx;
    while (this.starting) {
      // Only the oldest: reading the whole queue would make every start cost its length.
      const [next] = await stores.runs.listByThread(threadId, ["pending"], 1);
      if (!next) {
        if (afterRelease) await stores.threads.clearQueued(threadId);
        return;
      }
      if (!(await stores.threads.acquire(threadId, next.runId))) return;
      if (await this.startClaimed(next, seed)) return;
    }
  }

  /** Starts a run whose thread this replica has just acquired; false if it was no longer pending. */
  async startClaimed(run: RunRecord, seed?: RunEventsSeed): Promise<boolean> {
    const { stores, logger } = this.ctx;
    const { status, ownerId, leaseUntil, updatedAt } = this.claimed(run);
    const running = await stores.runs.update(run.runId, { status, ownerId, leaseUntil, updatedAt }, ["pending"]);
    if (!running) {
      await stores.threads.release(run.threadId, run.runId);
      return false;
    }
    const known = seed?.runId === run.runId ? seed.events : null;
    let events: StoredStreamEvent[] | null = known;
    try {
      events ??= await stores.events.listRunEvents(run.runId, 0, PRELOAD_EVENTS);
    } catch (error) {
      logger.warn({ err: error, run_id: run.runId }, "could not preload run events; readers use the database");
    }
    this.startLive(running, events);
    return true;
  }

  /**
   * Resumes a run a draining replica handed back at a superstep boundary: claimed here (one replica
   * wins: the claim needs the lease it left lapsed), then executed from the thread's checkpoint.
   */
  async resume(run: RunRecord, now: Date): Promise<void> {
    // A lease keeper's tick under way when the drain began must not take runs back here.
    if (!this.starting) return;
    const { stores, logger } = this.ctx;
    const { ownerId, leaseUntil, updatedAt } = this.claimed(run);
    const handover = { ...run.handover!, resumable: false };
    const claimed = await stores.runs.update(run.runId, { ownerId, leaseUntil, updatedAt, handover }, ["running"], now);
    if (!claimed) return;
    logger.info({ run_id: run.runId, handovers: handover.count }, "resuming a run handed back by a draining replica");
    // Complete or not at all: the cache must hold every event from the first, else readers use the database.
    const rows = await stores.events.listRunEvents(run.runId, 0, PRELOAD_EVENTS + 1).catch(() => null);
    this.startLive(claimed, rows && rows.length <= PRELOAD_EVENTS ? rows : null);
  }

  /** Executes a run stored as running here. `events`: its stored events so far (null: unknown, so local readers use the database). */
  startLive(running: RunRecord, events: StoredStreamEvent[] | null): void {
    const { live, cache, logger } = this.ctx;
    const started = live.add(running);
    if (events) cache.start(running.runId, events);
    started.done = this.runToEnd(started).catch((error: unknown) => {
      logger.error({ err: error, run_id: running.runId }, "run bookkeeping failed");
    });
  }

  /** The record of a run this replica claims: running, owned here, leased. */
  claimed(run: RunRecord): RunRecord {
    const { options } = this.ctx;
    const now = Date.now();
    return { ...run, status: "running", ownerId: options.replicaId, leaseUntil: new Date(now + options.leaseMs), updatedAt: new Date(now) };
  }

  private async runToEnd(started: LiveRun): Promise<void> {
    const { run } = started;
    const { stores, live, bus, cache } = this.ctx;
    // How the run leaves its thread, stored by the release that frees it (no write of its own).
    let threadStatus: SettledThreadStatus | undefined = "error";
    let released = false;
    // Whether runs may be queued behind this one, as its release says: only then is the next looked for.
    let queued = false;
    const release = async () => {
      queued = await this.finisher.retry(run.runId, () => stores.threads.release(run.threadId, run.runId, threadStatus));
      released = true;
    };
    try {
      // executeRun turns every failure of the graph into an outcome; were it to
      // throw all the same, the finally still takes the run off this replica
      // (its lease then lapses and the reaper ends it) instead of leaving a
      // live entry whose done promise waiters would spin on.
      const outcome = await inRunSpan(run, (callbacks) => executeRun(this.ctx, started, callbacks));
      if (outcome.drained) {
        // The run keeps its thread: it resumes on another replica (or, if the hand-back fails, its
        // lease lapses and the reaper ends it as it would a crashed replica's).
        released = true;
        live.delete(run.runId);
        await this.finisher.handBack(run, outcome.writer, outcome.baseCheckpointId);
        return;
      }
      threadStatus = outcome.threadStatus ?? undefined;
      started.final = await this.finisher.finish(run, outcome.writer, outcome, started.cancelAction, outcome.baseCheckpointId, release);
      if (started.final?.status === "success" && outcome.values !== undefined) live.keepValues(run.runId, outcome.values);
      if (started.cancelAction === "rollback") started.final = null;
    } finally {
      live.delete(run.runId);
      bus.forget(run.runId);
      cache.linger(run.runId);
      try {
        if (!released) await release();
      } finally {
        // Waiters answer now: looking for the thread's next run is no part of this run.
        started.settle();
      }
      if (queued) await this.finisher.retry(run.runId, () => this.scheduleNext(run.threadId, undefined, true));
    }
  }
}
