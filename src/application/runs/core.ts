// The run life cycle, assembled: creation, scheduling, execution, cancel,
// leases and tails, over one shared context. Any replica can serve any run:
// everything shared lives in the stores; the in-process parts (live runs,
// event cache, bus) only make the local path fast.
import { ShuttingDownError } from "../../domain/errors.js";
import { isJsonObject, type CancelActionName, type JsonObject, type RunRecord } from "../../domain/records.js";
import { Canceller } from "./canceller.js";
import type { RunsContext } from "./context.js";
import { RunCreator, type RunSpec } from "./create-run.js";
import { Finisher } from "./finisher.js";
import { LeaseKeeper } from "./lease-keeper.js";
import { RunFeeds } from "./run-feed.js";
import { Scheduler } from "./scheduler.js";
import { findGap, tailRun, type OnTailStopped, type TailItem } from "./tail.js";
import { toJson } from "../../runtime/json.js";

export class RunsCore {
  private readonly creator: RunCreator;
  private readonly canceller: Canceller;
  private readonly leases: LeaseKeeper;
  private readonly scheduler: Scheduler;
  /** One store reader per run tailed here, shared by its tails. */
  readonly feeds: RunFeeds;
  private draining = false;
  /** Aborted once the drain is over: the streams still open get what is stored, then UNAVAILABLE. */
  private readonly closing = new AbortController();

  constructor(private readonly ctx: RunsContext) {
    const finisher = new Finisher(ctx);
    const scheduler = (this.scheduler = new Scheduler(ctx, finisher));
    this.canceller = new Canceller(ctx, finisher);
    this.creator = new RunCreator(ctx, scheduler, this.canceller);
    this.leases = new LeaseKeeper(ctx, finisher, scheduler);
    this.feeds = new RunFeeds(ctx);
  }

  get activeRunCount(): number {
    return this.ctx.live.size;
  }

  create(spec: RunSpec, userId: string): Promise<RunRecord> {
    if (this.draining) throw new ShuttingDownError();
    return this.creator.create(spec, userId);
  }

  cancel(run: RunRecord, action: CancelActionName, wait: boolean, signal?: AbortSignal): Promise<RunRecord | null> {
    return this.canceller.cancel(run, action, wait, signal);
  }

  /** Once the drain is over, a wait for a run going on elsewhere ends UNAVAILABLE: the client waits on another replica. */
  waitForEnd(runId: string, signal?: AbortSignal): Promise<RunRecord | null> {
    const closing = this.closing.signal;
    return this.canceller.waitForEnd(runId, signal ? AbortSignal.any([signal, closing]) : closing);
  }

  tail(runId: string, afterSeq: number, heartbeatMs: number, signal: AbortSignal, onStopped?: OnTailStopped): AsyncGenerator<TailItem> {
    return tailRun(this.ctx, this.feeds, { runId, afterSeq, heartbeatMs, closing: this.closing.signal }, signal, onStopped);
  }

  findGap(runId: string, lastEventId: number): Promise<{ firstAvailable: number } | null> {
    return findGap(this.ctx, runId, lastEventId);
  }

  /** The thread's state values: as a run that just ended here streamed them, else from the checkpointer. */
  async stateValues(run: RunRecord): Promise<JsonObject> {
    const streamed = this.ctx.live.finalValues(run.runId);
    if (streamed) return streamed;
    const registered = this.ctx.graphs.get(run.assistantId);
    if (!registered) return {};
    const state = await registered.graph.getState({ configurable: { thread_id: run.threadId } });
    const values = toJson(state.values);
    return isJsonObject(values) ? values : { value: values };
  }

  /**
   * Stops taking runs and lets live ones go on to their next superstep boundary, where (on a
   * shared store) each is handed back to be resumed by another replica, or by this one once
   * restarted; on the memory store, which dies with the process, they run to their end. Those
   * still going after `graceMs` are interrupted. Leases are renewed until then.
   */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    this.scheduler.stopStarting();
    this.leases.renewOnlyFromNow();
    const { live } = this.ctx;
    if (this.ctx.stores.kind !== "memory") live.drainAll("the replica is shutting down");
    let expired = false;
    const interruptAll = () => live.all().forEach((each) => live.stop(each, "interrupt"));
    const timer = setTimeout(() => {
      expired = true;
      interruptAll();
    }, graceMs);
    // Until none is left: a run whose start was under way when the drain began counts too.
    for (let running = live.all(); running.length > 0; running = live.all()) {
      if (expired) interruptAll();
      await Promise.allSettled(running.map((each) => each.done));
    }
    clearTimeout(timer);
    this.leases.stop();
    this.closing.abort(new ShuttingDownError("this replica is shutting down; the run goes on: JoinRun with last_event_id, or AwaitRun, on another replica"));
  }
}
