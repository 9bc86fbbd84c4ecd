// The run life cycle: create (with the thread's multitask strategy), schedule,
// execute on LangGraph.js, record events, cancel, and tail events for readers.
// Everything shared lives in the stores, so any replica can serve any run;
// the in-process parts (live runs, event bus) only make the local path fast.
import { randomUUID } from "node:crypto";
import { Command, type BaseCheckpointSaver } from "@langchain/langgraph";
import { isBaseMessage } from "@langchain/core/messages";
import type { Logger } from "pino";
import {
  ACTIVE_STATUSES,
  TERMINAL_STATUSES,
  type CancelActionName,
  type JsonObject,
  type MultitaskStrategyName,
  type RunError,
  type RunKwargs,
  type RunRecord,
  type RunStatus,
  type StoredEvent,
  type Stores,
} from "../stores/types.js";
import { sliceAfter } from "../stores/seq.js";
import type { EventBus } from "./event-bus.js";
import { EventWriter } from "./event-writer.js";
import {
  RunCancelledError,
  ShuttingDownError,
  ThreadBusyError,
  ThreadNotFoundError,
  TooManyRunsError,
} from "./errors.js";
import type { GraphRegistry } from "./graphs.js";
import { streamGraph } from "./graph-stream.js";
import { isJsonObject, messageToJson, toJson } from "./json.js";
import { retryUnavailable } from "./retry.js";

export interface RunSpec {
  assistantId: string;
  threadId: string | null;
  metadata: JsonObject;
  multitaskStrategy: MultitaskStrategyName;
  kwargs: RunKwargs;
}

export interface RuntimeOptions {
  stores: Stores;
  graphs: GraphRegistry;
  checkpointer: BaseCheckpointSaver;
  bus: EventBus;
  logger: Logger;
  replicaId: string;
  /** How long a replica's claim on a running run lasts without renewal. */
  leaseMs: number;
  /** Polling bounds for readers of runs executing elsewhere. */
  pollMinMs: number;
  pollMaxMs: number;
  /** 0: no limit. */
  maxActiveRunsPerUser: number;
  /** How long a run rides out a database outage before it fails. */
  storeRetryMs: number;
}

/** A run's stored events as its creator knows them, so starting it needs no read. */
interface RunEventsSeed {
  runId: string;
  events: StoredEvent[];
}

export type TailItem = { type: "event"; event: StoredEvent } | { type: "heartbeat" };

interface LiveRun {
  run: RunRecord;
  abort: AbortController;
  cancelAction: CancelActionName | null;
  done: Promise<void>;
}

const TAIL_BATCH = 512;
/** How long a finished run's events stay in memory for readers still tailing it. */
const BUFFER_LINGER_MS = 2_000;

export class RunRuntime {
  private readonly live = new Map<string, LiveRun>();
  /**
   * The stored stream events of runs executing here, complete from their first
   * event: local readers tail these instead of querying the database.
   */
  private readonly buffers = new Map<string, StoredEvent[]>();
  private readonly leaseTimer: NodeJS.Timeout;
  private draining = false;

  constructor(private readonly o: RuntimeOptions) {
    this.leaseTimer = setInterval(() => void this.tick(), Math.max(50, Math.min(1000, Math.floor(o.leaseMs / 3))));
    this.leaseTimer.unref();
  }

  get activeRunCount(): number {
    return this.live.size;
  }

  /**
   * Creates a run and schedules it on its thread. Returns the record as created
   * (status pending): callers need its ids, and re-reading it would cost a
   * database round trip on every run.
   */
  async create(spec: RunSpec, userId: string): Promise<RunRecord> {
    if (this.draining) throw new ShuttingDownError();
    const { stores } = this.o;
    const threadId = spec.threadId ?? randomUUID();
    const thread = await stores.threads.ensure(threadId, userId);
    if (thread.userId !== userId) throw new ThreadNotFoundError(threadId);
    if (this.o.maxActiveRunsPerUser > 0 && (await stores.runs.countActiveByUser(userId)) >= this.o.maxActiveRunsPerUser) {
      throw new TooManyRunsError(this.o.maxActiveRunsPerUser);
    }
    const now = new Date();
    const run: RunRecord = {
      runId: randomUUID(),
      threadId,
      assistantId: spec.assistantId,
      userId,
      status: "pending",
      metadata: spec.metadata,
      multitaskStrategy: spec.multitaskStrategy,
      kwargs: withMessageIds(spec.kwargs),
      error: null,
      createdAt: now,
      updatedAt: now,
      ownerId: null,
      leaseUntil: null,
      cancelRequested: null,
    };
    const others = await stores.runs.listByThread(threadId, ACTIVE_STATUSES);
    if (spec.multitaskStrategy === "reject" && (others.length > 0 || thread.activeRunId !== null)) {
      throw new ThreadBusyError(threadId);
    }
    await stores.runs.insert(run);
    if (spec.multitaskStrategy === "reject") {
      // Claim the thread now, so that of two racing creates one is refused.
      if (!(await stores.threads.acquire(threadId, run.runId))) {
        await stores.runs.delete(run.runId);
        throw new ThreadBusyError(threadId);
      }
    }
    try {
      const events = await stores.events.append(threadId, run.runId, [
        { kind: "metadata", data: { run_id: run.runId, thread_id: threadId, assistant_id: run.assistantId } },
      ]);
      this.o.bus.notify(run.runId);
      if (spec.multitaskStrategy === "interrupt" || spec.multitaskStrategy === "rollback") {
        for (const other of others) await this.cancel(other, spec.multitaskStrategy, false);
      }
      // The run's events so far are the metadata row just written: no need to read them back.
      const seed = { runId: run.runId, events };
      if (spec.multitaskStrategy === "reject") await this.startClaimed(run, seed);
      else await this.scheduleNext(threadId, seed);
    } catch (error) {
      // The caller gets the error; the run must not keep the thread (best effort: the database may be down).
      if (!this.live.has(run.runId)) {
        const failed = { name: "RunNotStarted", message: "the run could not be started" };
        await stores.runs.update(run.runId, { status: "error", error: failed, updatedAt: new Date() }, ["pending"]).catch(() => null);
        await stores.threads.release(threadId, run.runId).catch(() => undefined);
      }
      throw error;
    }
    return run;
  }

  /** Stops a pending or running run; returns it afterwards (null once rolled back). */
  async cancel(run: RunRecord, action: CancelActionName, wait: boolean, signal?: AbortSignal): Promise<RunRecord | null> {
    const { stores } = this.o;
    if (run.status === "pending") {
      const stopped = await stores.runs.update(run.runId, { status: "interrupted", updatedAt: new Date() }, ["pending"]);
      if (stopped) {
        await this.finishRecord(stopped, action);
        return action === "rollback" ? null : stopped;
      }
      run = (await stores.runs.get(run.runId)) ?? run;
    }
    if (run.status === "running") {
      const local = this.live.get(run.runId);
      if (local) {
        local.cancelAction ??= action;
        local.abort.abort(new RunCancelledError(action));
      } else {
        await stores.runs.update(run.runId, { cancelRequested: action }, ["running"]);
      }
      if (wait) return this.waitForEnd(run.runId, signal);
    }
    return stores.runs.get(run.runId);
  }

  /** Resolves with the run once it is terminal (null if it was deleted). */
  async waitForEnd(runId: string, signal?: AbortSignal): Promise<RunRecord | null> {
    let pollMs = this.o.pollMinMs;
    for (;;) {
      const seen = this.o.bus.version(runId);
      const run = await this.o.stores.runs.get(runId);
      if (!run || TERMINAL_STATUSES.includes(run.status)) return run;
      if (signal?.aborted) throw signal.reason;
      const local = this.live.get(runId);
      if (local) {
        await Promise.race([local.done, abortPromise(signal)]);
        continue;
      }
      const woken = await this.o.bus.wait(runId, seen, pollMs, signal);
      pollMs = woken ? this.o.pollMinMs : Math.min(pollMs * 2, this.o.pollMaxMs);
    }
  }

  /** The thread's state values, from the checkpointer. */
  async stateValues(run: RunRecord): Promise<JsonObject> {
    const registered = this.o.graphs.get(run.assistantId);
    if (!registered) return {};
    const state = await registered.graph.getState({ configurable: { thread_id: run.threadId } });
    const values = toJson(state.values);
    return isJsonObject(values) ? values : { value: values };
  }

  /**
   * A run's events after `afterSeq`, live until its `end` event, with a
   * heartbeat whenever nothing was sent for `heartbeatMs`.
   */
  async *tail(runId: string, afterSeq: number, heartbeatMs: number, signal: AbortSignal): AsyncGenerator<TailItem> {
    const { events, runs } = this.o.stores;
    let after = afterSeq;
    let lastSent = Date.now();
    let pollMs = this.o.pollMinMs;
    while (!signal.aborted) {
      const seen = this.o.bus.version(runId);
      const buffered = this.buffers.get(runId);
      const rows = buffered ? sliceAfter(buffered, after, TAIL_BATCH) : await events.listRunEvents(runId, after, TAIL_BATCH);
      for (const row of rows) {
        yield { type: "event", event: row };
        after = row.seq;
        if (row.kind === "end") return;
      }
      if (rows.length > 0) {
        lastSent = Date.now();
        pollMs = this.o.pollMinMs;
        if (rows.length === TAIL_BATCH) continue;
      }
      const untilHeartbeat = heartbeatMs - (Date.now() - lastSent);
      if (untilHeartbeat <= 0) {
        yield { type: "heartbeat" };
        lastSent = Date.now();
        continue;
      }
      const woken = await this.o.bus.wait(runId, seen, Math.min(pollMs, untilHeartbeat), signal);
      if (!woken && !this.live.has(runId) && !this.buffers.has(runId)) {
        pollMs = Math.min(pollMs * 2, this.o.pollMaxMs);
        // A deleted run (rollback), or a finished one with nothing after `after`,
        // will never write more: stop instead of waiting forever.
        const run = await runs.get(runId);
        if (!run) return;
        if (TERMINAL_STATUSES.includes(run.status) && rows.length === 0) {
          const [later] = await events.listRunEvents(runId, after, 1);
          if (!later) return;
        }
      }
    }
  }

  /** Stops taking runs, interrupts live ones after `graceMs`, waits for them. */
  async drain(graceMs: number): Promise<void> {
    this.draining = true;
    clearInterval(this.leaseTimer);
    const all = [...this.live.values()];
    const finished = Promise.allSettled(all.map((l) => l.done));
    const timer = setTimeout(() => {
      for (const l of this.live.values()) {
        l.cancelAction ??= "interrupt";
        l.abort.abort(new RunCancelledError("interrupt"));
      }
    }, graceMs);
    await finished;
    clearTimeout(timer);
  }

  private async scheduleNext(threadId: string, seed?: RunEventsSeed): Promise<void> {
    const { stores } = this.o;
    for (;;) {
      const [next] = await stores.runs.listByThread(threadId, ["pending"]);
      if (!next) return;
      if (!(await stores.threads.acquire(threadId, next.runId))) return;
      const started = await this.startClaimed(next, seed);
      if (started) return;
    }
  }

  /** Starts a run whose thread this replica has just acquired. */
  private async startClaimed(run: RunRecord, seed?: RunEventsSeed): Promise<boolean> {
    const { stores } = this.o;
    const now = Date.now();
    const running = await stores.runs.update(
      run.runId,
      { status: "running", ownerId: this.o.replicaId, leaseUntil: new Date(now + this.o.leaseMs), updatedAt: new Date(now) },
      ["pending"],
    );
    if (!running) {
      await stores.threads.release(run.threadId, run.runId);
      return false;
    }
    const abort = new AbortController();
    const live: LiveRun = { run: running, abort, cancelAction: null, done: Promise.resolve() };
    this.live.set(run.runId, live);
    try {
      const known = seed?.runId === run.runId ? [...seed.events] : null;
      this.buffers.set(run.runId, known ?? (await stores.events.listRunEvents(run.runId, 0, TAIL_BATCH)));
    } catch (error) {
      this.o.logger.warn({ err: error, run_id: run.runId }, "could not preload run events; readers use the database");
    }
    live.done = this.execute(live).catch((error: unknown) => {
      this.o.logger.error({ err: error, run_id: run.runId }, "run bookkeeping failed");
    });
    return true;
  }

  private async execute(live: LiveRun): Promise<void> {
    const { run, abort } = live;
    const { stores, logger } = this.o;
    const writer = new EventWriter(
      stores.events,
      this.o.bus,
      run.threadId,
      run.runId,
      this.o.storeRetryMs,
      (error) => {
        logger.error({ err: error, run_id: run.runId }, "storing run events failed; stopping the run");
        abort.abort(error);
      },
      (rows) => this.buffer(run.runId, rows),
    );
    let status: RunStatus = "success";
    let error: RunError | null = null;
    let baseCheckpointId: string | null = null;
    const registered = this.o.graphs.get(run.assistantId);
    try {
      if (!registered) throw Object.assign(new Error(`assistant ${run.assistantId} is not registered`), { name: "AssistantNotFound" });
      const { graph } = registered;
      const { kwargs } = run;
      // Where a rollback would return to. The checkpointer's latest tuple is enough (getState would also plan tasks).
      const before = await this.o.checkpointer.getTuple({ configurable: { thread_id: run.threadId, checkpoint_ns: "" } });
      baseCheckpointId = (before?.config.configurable?.["checkpoint_id"] as string | undefined) ?? null;
      for (const message of inputMessages(kwargs.input)) writer.add({ kind: "message", data: message });
      const wanted = new Set(kwargs.streamModes);
      const modes = [...new Set([...kwargs.streamModes, "updates" as const])];
      const userConfig = kwargs.config ?? {};
      const configurable: Record<string, unknown> = {
        ...(isJsonObject(userConfig["configurable"]) ? userConfig["configurable"] : {}),
        thread_id: run.threadId,
        run_id: run.runId,
      };
      if (kwargs.checkpointId) configurable["checkpoint_id"] = kwargs.checkpointId;
      const options: Record<string, unknown> = {
        configurable,
        streamMode: modes,
        subgraphs: kwargs.streamSubgraphs,
        signal: abort.signal,
        runId: run.runId,
        metadata: { run_id: run.runId, thread_id: run.threadId, assistant_id: run.assistantId },
      };
      if (kwargs.context) options["context"] = kwargs.context;
      if (kwargs.interruptBefore.length) options["interruptBefore"] = kwargs.interruptBefore.includes("*") ? "*" : kwargs.interruptBefore;
      if (kwargs.interruptAfter.length) options["interruptAfter"] = kwargs.interruptAfter.includes("*") ? "*" : kwargs.interruptAfter;
      if (typeof userConfig["recursion_limit"] === "number") options["recursionLimit"] = userConfig["recursion_limit"];
      if (Array.isArray(userConfig["tags"])) options["tags"] = userConfig["tags"];
      const input = kwargs.command ? new Command(kwargs.command as never) : kwargs.input;
      await streamGraph(graph, input, options, (chunk) => {
        const [namespace, mode, data] = (kwargs.streamSubgraphs ? chunk : [[], ...(chunk as unknown[])]) as [string[], string, unknown];
        if (mode === "updates" && namespace.length === 0) {
          for (const message of updateMessages(data)) writer.add({ kind: "message", data: message });
        }
        if (wanted.has(mode as never)) {
          writer.add({ kind: "part", mode: mode as never, namespace: namespace.map(String), data: toJson(data) });
        }
      });
    } catch (thrown) {
      if (abort.signal.aborted && abort.signal.reason instanceof RunCancelledError) {
        status = "interrupted";
      } else {
        status = "error";
        const reason = abort.signal.aborted ? abort.signal.reason : thrown;
        error = {
          name: reason instanceof Error ? reason.name : "Error",
          message: reason instanceof Error ? reason.message : String(reason),
        };
        writer.add({ kind: "error", data: { name: error.name, message: error.message } });
      }
    }
    await this.finishRun(live, writer, status, error, baseCheckpointId);
  }

  private async finishRun(live: LiveRun, writer: EventWriter, status: RunStatus, error: RunError | null, baseCheckpointId: string | null) {
    const { run } = live;
    const { stores, logger } = this.o;
    const retry = <T>(call: () => Promise<T>) =>
      retryUnavailable(call, this.o.storeRetryMs, () => logger.warn({ run_id: run.runId }, "database unavailable; retrying"));
    try {
      await writer.flush();
    } catch {
      // Already logged; the run still gets its final status below.
    }
    try {
      const finished = await retry(() =>
        stores.runs.update(run.runId, { status, error, updatedAt: new Date(), ownerId: null, leaseUntil: null }, ["running"]),
      );
      if (live.cancelAction === "rollback") await this.rollbackState(run, baseCheckpointId);
      if (finished) await retry(() => this.finishRecord(finished, live.cancelAction ?? "interrupt"));
    } finally {
      this.live.delete(run.runId);
      this.o.bus.forget(run.runId);
      setTimeout(() => this.buffers.delete(run.runId), BUFFER_LINGER_MS).unref();
      await retry(() => stores.threads.release(run.threadId, run.runId));
      await retry(() => this.scheduleNext(run.threadId));
    }
  }

  private buffer(runId: string, rows: StoredEvent[]): void {
    const buffer = this.buffers.get(runId);
    if (!buffer) return;
    for (const row of rows) {
      if (row.kind === "message") continue;
      if (buffer.length === 0 || row.seq > buffer[buffer.length - 1]!.seq) buffer.push(row);
    }
  }

  /** Writes a terminal run's `end` event, or deletes it all for a rollback. */
  private async finishRecord(run: RunRecord, action: CancelActionName): Promise<void> {
    const { stores } = this.o;
    const end = { key: `${run.runId}:end`, kind: "end" as const, data: { status: run.status } };
    if (run.status === "interrupted" && action === "rollback") {
      this.buffer(run.runId, await stores.events.append(run.threadId, run.runId, [end]));
      this.o.bus.notify(run.runId);
      await stores.feedback.deleteByRun(run.runId);
      await stores.events.deleteRun(run.runId);
      await stores.runs.delete(run.runId);
    } else {
      this.buffer(run.runId, await stores.events.append(run.threadId, run.runId, [end]));
    }
    this.o.bus.notify(run.runId);
  }

  /** Puts the thread back to where it was before the run. */
  private async rollbackState(run: RunRecord, baseCheckpointId: string | null): Promise<void> {
    const registered = this.o.graphs.get(run.assistantId);
    if (!registered) return;
    if (baseCheckpointId === null) {
      await this.o.checkpointer.deleteThread(run.threadId);
      return;
    }
    // An empty update forked from the base checkpoint becomes the thread's latest state.
    await registered.graph.updateState({ configurable: { thread_id: run.threadId, checkpoint_id: baseCheckpointId } }, undefined);
  }

  private ticking = false;
  private ticks = 0;

  /**
   * A queued run is started by whoever frees its thread; if that replica died
   * in between, the run would wait forever. Now and then, try to start old
   * pending runs whose thread is free (a no-op while the thread is busy).
   */
  private async sweepPending(): Promise<void> {
    try {
      const stale = await this.o.stores.runs.listPendingBefore(new Date(Date.now() - this.o.leaseMs), 50);
      for (const threadId of new Set(stale.map((r) => r.threadId))) await this.scheduleNext(threadId);
    } catch (error) {
      this.o.logger.warn({ err: error }, "sweeping pending runs failed");
    }
  }

  private async tick(): Promise<void> {
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.renewLeases();
      await this.reapExpired();
      if (++this.ticks % 10 === 0) await this.sweepPending();
    } finally {
      this.ticking = false;
    }
  }

  /**
   * Runs whose owner stopped renewing its lease (the replica died) are marked
   * interrupted by whichever replica notices first, and their thread moves on.
   */
  private async reapExpired(): Promise<void> {
    const { stores, logger } = this.o;
    try {
      const now = new Date();
      for (const run of await stores.runs.listExpired(now, 50)) {
        if (this.live.has(run.runId)) continue;
        const lost = await stores.runs.update(
          run.runId,
          {
            status: "interrupted",
            error: { name: "ReplicaLost", message: "the replica running this run stopped; its lease expired" },
            updatedAt: new Date(),
            ownerId: null,
            leaseUntil: null,
          },
          ["running"],
          now,
        );
        if (!lost) continue;
        logger.warn({ run_id: run.runId, owner_id: run.ownerId }, "run lost with its replica: marked interrupted");
        await this.finishRecord(lost, "interrupt");
        await stores.threads.release(lost.threadId, lost.runId);
        await this.scheduleNext(lost.threadId);
      }
    } catch (error) {
      logger.warn({ err: error }, "reaping expired runs failed");
    }
  }

  private async renewLeases(): Promise<void> {
    const { stores } = this.o;
    for (const live of [...this.live.values()]) {
      try {
        const renewed = await stores.runs.update(
          live.run.runId,
          { leaseUntil: new Date(Date.now() + this.o.leaseMs) },
          ["running"],
        );
        if (renewed?.cancelRequested && !live.abort.signal.aborted) {
          live.cancelAction ??= renewed.cancelRequested;
          live.abort.abort(new RunCancelledError(renewed.cancelRequested));
        }
      } catch (error) {
        this.o.logger.warn({ err: error, run_id: live.run.runId }, "lease renewal failed");
      }
    }
  }
}

function abortPromise(signal: AbortSignal | undefined): Promise<never> {
  if (!signal) return new Promise(() => {});
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

/** Gives input messages ids up front, so stored messages match the state's. */
function withMessageIds(kwargs: RunKwargs): RunKwargs {
  const messages = kwargs.input?.["messages"];
  if (!Array.isArray(messages)) return kwargs;
  const withIds = messages.map((m) => (isJsonObject(m) && typeof m["id"] !== "string" ? { ...m, id: randomUUID() } : m));
  return { ...kwargs, input: { ...kwargs.input, messages: withIds } };
}

const ROLE_TO_TYPE: Record<string, string> = { user: "human", human: "human", assistant: "ai", ai: "ai", tool: "tool", system: "system" };

/** The input's messages in LangChain's serialized shape. */
function inputMessages(input: JsonObject | null): JsonObject[] {
  const messages = input?.["messages"];
  if (!Array.isArray(messages)) return [];
  return messages.filter(isJsonObject).map((m) => {
    const { role, type, ...rest } = m;
    const kind = ROLE_TO_TYPE[String(type ?? role ?? "human")] ?? String(type ?? role);
    return { type: kind, ...rest, content: m["content"] ?? "" };
  });
}

/** Messages a node returned in an `updates` chunk. */
function updateMessages(update: unknown): JsonObject[] {
  if (!update || typeof update !== "object") return [];
  const out: JsonObject[] = [];
  for (const nodeUpdate of Object.values(update as Record<string, unknown>)) {
    const messages = (nodeUpdate as { messages?: unknown } | null)?.messages;
    const list = Array.isArray(messages) ? messages : messages ? [messages] : [];
    for (const m of list) if (isBaseMessage(m)) out.push(messageToJson(m));
  }
  return out;
}
