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
    const thread = await stores.threads.ensure(threadId, userId);
    // Another user's thread, or one DeleteThread is removing, is no thread of the caller's.
    if (thread.userId !== userId || thread.deleting) throw new ThreadNotFoundError(threadId);
    const run = newRunRecord(spec, threadId, userId, this.ctx.options.runTimeoutSeconds);
    const others = await this.activeToConsider(spec.multitaskStrategy, threadId);
    const admission = admit(spec.multitaskStrategy, others, thread.activeRunId !== null);
    if (admission.kind === "refuse") throw new ThreadBusyError(threadId);
    // Taken before the run is stored: once stored (pending) it may be started
    // by whoever frees its thread, so it must already count against the limit.
    await takeUserSlot(this.ctx, run);
    await this.insertOrRelease(run);
    if (admission.kind === "claim" && !(await stores.threads.acquire(threadId, run.runId))) {
      await stores.runs.delete(run.runId);
      await releaseUserSlot(this.ctx, run);
      throw new ThreadBusyError(threadId);
    }
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
   * the same however long the queue: enqueue needs none, reject only whether
   * there is one; interrupt and rollback cancel them all.
   */
  private activeToConsider(strategy: MultitaskStrategyName, threadId: string): Promise<RunRecord[]> {
    const { runs } = this.ctx.stores;
    if (strategy === "enqueue") return Promise.resolve([]);
    return strategy === "reject" ? runs.listByThread(threadId, ACTIVE_STATUSES, 1) : runs.listByThread(threadId, ACTIVE_STATUSES);
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
    const data = { run_id: run.runId, thread_id: run.threadId, assistant_id: run.assistantId };
    const events = await stores.events.append(run.threadId, run.runId, [{ kind: "metadata", data }]);
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
