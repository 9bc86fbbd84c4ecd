// LangGraph's MemorySaver, bounded. The stock one keeps every checkpoint of a
// thread, each a full copy of its state (a 600-turn conversation held 3,000,
// O(turns²) bytes, and every read sorted all their ids), and its deleteThread
// scans every pending-write key of every thread, which made evicting old
// threads (memory store retention) slow down each new run as the store filled.
// Here a thread keeps its latest `maxCheckpointsPerThread` checkpoints per
// namespace, deleteThread costs what the thread holds, and `bytes` is what is
// held (counted against the memory store's byte bound).
import { MemorySaver } from "@langchain/langgraph";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { Checkpoint, CheckpointMetadata, PendingWrite } from "@langchain/langgraph-checkpoint";

export interface BoundedMemorySaverOptions {
  /** Checkpoints kept per thread and namespace, the latest always among them; older ones go on put(). */
  maxCheckpointsPerThread?: number;
}

/** The stock writes key: JSON [thread, ns, checkpoint]. */
const writesKey = (threadId: string, ns: string, checkpointId: string) => JSON.stringify([threadId, ns, checkpointId]);

/**
 * Set on every checkpoint of a graph with a DeltaChannel (beta): its state is rebuilt by
 * replaying ancestors' writes, so dropping ancestors would lose state; such threads are not pruned.
 */
const DELTA_WRITES_VERSIONED = "delta_writes_versioned";

export class BoundedMemorySaver extends MemorySaver {
  readonly maxCheckpointsPerThread: number;
  /** The keys of `this.writes` each thread owns. */
  private readonly writeKeys = new Map<string, Set<string>>();
  /** Each thread's checkpoint ids per namespace, oldest first (the order they were put). */
  private readonly order = new Map<string, Map<string, string[]>>();
  /** Serialized bytes per thread, and per writes key (recounted when its writes change). */
  private readonly threadBytes = new Map<string, number>();
  private readonly keyBytes = new Map<string, number>();
  private held = 0;

  constructor(options: BoundedMemorySaverOptions = {}) {
    super();
    this.maxCheckpointsPerThread = options.maxCheckpointsPerThread ?? Number.POSITIVE_INFINITY;
  }

  /** Bytes of serialized checkpoints, metadata and writes held for all threads. */
  get bytes(): number {
    return this.held;
  }

  /** Checkpoint ids a thread keeps in a namespace, oldest first. */
  kept(threadId: string, ns = ""): readonly string[] {
    return this.order.get(threadId)?.get(ns) ?? [];
  }

  private count(threadId: string, delta: number): void {
    this.held += delta;
    this.threadBytes.set(threadId, (this.threadBytes.get(threadId) ?? 0) + delta);
  }

  private entrySize(threadId: string, ns: string, checkpointId: string): number {
    const entry = this.storage[threadId]?.[ns]?.[checkpointId];
    return entry ? entry[0].length + entry[1].length : 0;
  }

  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<RunnableConfig> {
    const threadId = config.configurable?.["thread_id"] as string;
    const ns = (config.configurable?.["checkpoint_ns"] as string | undefined) ?? "";
    const replaced = this.entrySize(threadId, ns, checkpoint.id);
    const saved = await super.put(config, checkpoint, metadata);
    this.count(threadId, this.entrySize(threadId, ns, checkpoint.id) - replaced);
    let byNs = this.order.get(threadId);
    if (!byNs) this.order.set(threadId, (byNs = new Map()));
    let ids = byNs.get(ns);
    if (!ids) byNs.set(ns, (ids = []));
    if (replaced === 0) ids.push(checkpoint.id);
    if (!(metadata as Record<string, unknown>)[DELTA_WRITES_VERSIONED]) this.prune(threadId, ns, ids);
    return saved;
  }

  /**
   * Drops the oldest beyond the bound. The latest is never among them, nor (with a bound of 2 or
   * more) its parent, the one a step's late writes may still go to. Older checkpoints' writes were
   * consumed by their successors: they are history, and go with their checkpoint.
   */
  private prune(threadId: string, ns: string, ids: string[]): void {
    while (ids.length > this.maxCheckpointsPerThread) {
      const id = ids.shift()!;
      this.count(threadId, -this.entrySize(threadId, ns, id));
      delete this.storage[threadId]?.[ns]?.[id];
      this.dropWrites(threadId, writesKey(threadId, ns, id));
    }
  }

  private dropWrites(threadId: string, key: string): void {
    this.count(threadId, -(this.keyBytes.get(key) ?? 0));
    this.keyBytes.delete(key);
    this.writeKeys.get(threadId)?.delete(key);
    delete this.writes[key];
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    await super.putWrites(config, writes, taskId, taskPath);
    const c = config.configurable ?? {};
    const threadId = c["thread_id"] as string | undefined;
    if (threadId === undefined) return;
    const ns = (c["checkpoint_ns"] as string | undefined) ?? "";
    const checkpointId = c["checkpoint_id"] as string;
    const key = writesKey(threadId, ns, checkpointId);
    let keys = this.writeKeys.get(threadId);
    if (!keys) this.writeKeys.set(threadId, (keys = new Set()));
    keys.add(key);
    const ids = this.kept(threadId, ns);
    // Late writes to a checkpoint pruned meanwhile would be kept by nothing: drop them now.
    if (ids.length >= this.maxCheckpointsPerThread && checkpointId < ids[0]!) return this.dropWrites(threadId, key);
    let size = 0;
    for (const record of Object.values(this.writes[key] ?? {})) size += record[2].length;
    this.count(threadId, size - (this.keyBytes.get(key) ?? 0));
    this.keyBytes.set(key, size);
  }

  override async deleteThread(threadId: string): Promise<void> {
    delete this.storage[threadId];
    for (const key of this.writeKeys.get(threadId) ?? []) {
      delete this.writes[key];
      this.keyBytes.delete(key);
    }
    this.writeKeys.delete(threadId);
    this.order.delete(threadId);
    this.held -= this.threadBytes.get(threadId) ?? 0;
    this.threadBytes.delete(threadId);
  }
}
