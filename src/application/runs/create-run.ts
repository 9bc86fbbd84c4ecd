// Creating a run: its thread (created for the caller, or the caller's own),
// the multitask decision, the per-user limit (a slot, see user-slots.ts), its record and metadata event,
// and its start or its place in the thread's queue.
import { randomUUID } from "node:crypto";
import { isStreamEvent } from "../../domain/events.js";
import { ThreadBusyError, ThreadNotFoundError } from "../../domain/errors.js";
import { ACTIVE_STATUSES, type JsonObject, type MultitaskStrategyName, type RunKwargs, type RunRecord } from "../../domain/records.js";
import { withMessageIds } from "../../runtime/messages.js";
import { activeTraceParent } from "../../runtime/tracing.js";
import { admit } from "./admission.js";
import type { Canceller } from "./canceller.js";
import type { RunsContext } from "./context.js";
import type { Scheduler } from "./scheduler.js";
import { releaseUserSlot, takeUserSlot } from "./user-slots.js";

/** A validated request for a new run. */
export interface RunSpec {
  assistantId: string;
  threadId: string | null;
  metadata: JsonObject;
  multitaskStrategy: MultitaskStrategyName;
  kwargs: RunKwargs;
}

/** The record of a new run; its time limit is fixed now, so every replica that runs it applies the same one. */
function newRunRecord(spec: RunSpec, threadId: string, userId: string, defaultTimeoutSeconds: number): RunRecord {
  const now = new Date();
  return {
    runId: randomUUID(),
    threadId,
    assistantId: spec.assistantId,
    userId,
    status: "pending",
    metadata: spec.metadata,
    multitaskStrategy: spec.multitaskStrategy,
    kwargs: { ...withMessageIds(spec.kwargs), timeoutSeconds: spec.kwargs.timeoutSeconds ?? defaultTimeoutSeconds },
    error: null,
    createdAt: now,
    updatedAt: now,
    ownerId: null,
    leaseUntil: null,
    cancelRequested: null,
    // The creating RPC's span (tracing on): the run's span is its child wherever the run executes.
    ...traceParentField(),
  };
}

function traceParentField(): { traceParent?: string } {
  const traceParent = activeTraceParent();
  return traceParent ? { traceParent } : {};
}

/** A run's `metadata` event, its stream's first. */
function metadataOf(run: RunRecord): { run_id: string; thread_id: string; assistant_id: string } {
  return { run_id: run.runId, thread_id: run.threadId, assistant_id: run.assistantId };
}

export class RunCreator {
  constructor(
    private readonly ctx: RunsContext,
    private readonly scheduler: Scheduler,
    private readonly canceller: Canceller,
  ) {}

  /** Creates a run and starts or queues it. Returns the record as created (status pending). */
  async create(spec: RunSpec, userId: string): Promise<RunRecord> {
    const { stores } = this.ctx;
    const threadId = spec.threadId ?? randomUUID();
    const run = newRunRecord(spec, threadId, userId, this.ctx.options.runTimeoutSeconds);
    // reject needs only a free thread: taking it as it is ensured is the whole admission.
    if (spec.multitaskStrategy === "reject") return this.createClaimed(run);
    const thread = await stores.threads.ensure(threadId, userId);
    // Another user's thread, or one DeleteThread is removing, is no thread of the caller's.
    if (thread.userId !== userId || thread.deleting) throw new ThreadNotFoundError(threadId);
    const others = await this.activeToConsider(spec.multitaskStrategy, threadId);
    const admission = admit(spec.multitaskStrategy, others, thread.activeRunId !== null);
    if (admission.kind === "refuse") throw new ThreadBusyError(threadId);
    // Taken before the run is stored: once stored (pending) it may be started
    // by whoever frees its thread, so it must already count against the limit.
    await takeUserSlot(this.ctx, run);
    await this.insertOrRelease(run);
    try {
      await this.start(run, admission);
    } catch (error) {
      await this.abandon(run);
      throw error;
    }
    return run;
  }

  /**
   * The thread's active runs admission needs, and no more, so a create costs
   * the same however long the queue: enqueue and reject need none (reject asks
   * the thread's holder, and taking the thread is what decides racing creates);
   * interrupt and rollback cancel them all.
   */
  private activeToConsider(strategy: MultitaskStrategyName, threadId: string): Promise<RunRecord[]> {
    if (strategy === "enqueue" || strategy === "reject") return Promise.resolve([]);
    return this.ctx.stores.runs.listByThread(threadId, ACTIVE_STATUSES);
  }

  /**
   * reject: the thread is created or taken in one step, so the run is stored
   * already running here, with its owner and lease (no claim update after).
   */
  private async createClaimed(run: RunRecord): Promise<RunRecord> {
    const { stores } = this.ctx;
    const { thread, acquired } = await stores.threads.claim(run.threadId, run.userId, run.runId);
    // Another user's thread, or one DeleteThread is removing, is no thread of the caller's.
    if (thread.userId !== run.userId || thread.deleting) throw new ThreadNotFoundError(run.threadId);
    if (!acquired) throw new ThreadBusyError(run.threadId);
    try {
      // Taken before the run is stored, as for every run (see create).
      await takeUserSlot(this.ctx, run);
    } catch (error) {
      await stores.threads.release(run.threadId, run.runId).catch(() => undefined);
      throw error;
    }
    const running = this.scheduler.claimed(run);
    // The record and the metadata event are independent writes: sent together, one round trip.
    const metadata = { key: `${run.runId}:metadata`, kind: "metadata" as const, data: metadataOf(run) };
    const [inserted, announced] = await Promise.allSettled([stores.runs.insert(running), stores.events.append(run.threadId, run.runId, [metadata])]);
    if (inserted.status === "rejected" || announced.status === "rejected") {
      await releaseUserSlot(this.ctx, run).catch(() => undefined);
      await stores.threads.release(run.threadId, run.runId).catch(() => undefined);
      // Best effort: whichever write landed goes (a run stored running here would be reaped as lost anyway).
      await Promise.allSettled([stores.runs.delete(run.runId), stores.events.deleteRun(run.runId)]);
      throw inserted.status === "rejected" ? inserted.reason : (announced as PromiseRejectedResult).reason;
    }
    this.ctx.bus.notify(run.runId);
    this.scheduler.startLive(running, announced.value.filter(isStreamEvent));
    return run;
  }

  private async insertOrRelease(run: RunRecord): Promise<void> {
    try {
      await this.ctx.stores.runs.insert(run);
    } catch (error) {
      await releaseUserSlot(this.ctx, run).catch(() => undefined);
      throw error;
    }
  }

  private async start(run: RunRecord, admission: ReturnType<typeof admit>): Promise<void> {
    const { stores, bus } = this.ctx;
    const events = await stores.events.append(run.threadId, run.runId, [{ kind: "metadata", data: metadataOf(run) }]);
    bus.notify(run.runId);
    if (admission.kind === "queue" && admission.action) {
      for (const other of admission.cancel) await this.canceller.cancel(other, admission.action, false);
    }
    // The run's events so far are the metadata row just written: no need to read them back.
    const seed = { runId: run.runId, events: events.filter(isStreamEvent) };
    if (admission.kind === "claim") await this.scheduler.startClaimed(run, seed);
    else await this.scheduler.scheduleNext(run.threadId, seed);
  }

  /** The caller gets the error; the run must not keep the thread (best effort: the database may be down). */
  private async abandon(run: RunRecord): Promise<void> {
    if (this.ctx.live.has(run.runId)) return;
    const { stores } = this.ctx;
    const failed = { name: "RunNotStarted", message: "the run could not be started" };
    const ended = await stores.runs.update(run.runId, { status: "error", error: failed, updatedAt: new Date() }, ["pending"]).catch(() => null);
    // Only a run this marked ended frees its slot here: one that got started meanwhile frees it when it ends.
    if (ended) await releaseUserSlot(this.ctx, run).catch(() => undefined);
    await stores.threads.release(run.threadId, run.runId, ended ? "error" : undefined).catch(() => undefined);
  }
}
