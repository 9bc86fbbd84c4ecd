// LangGraph's MemorySaver, with a deleteThread that costs what the thread
// holds. The stock one scans every pending-write key of every thread, which
// made evicting old threads (memory store retention) slow down each new run
// as the store filled up.
import { MemorySaver } from "@langchain/langgraph";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { PendingWrite } from "@langchain/langgraph-checkpoint";

export class BoundedMemorySaver extends MemorySaver {
  /** The keys of `this.writes` each thread owns (the stock key: JSON [thread, ns, checkpoint]). */
  private readonly writeKeys = new Map<string, Set<string>>();

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    await super.putWrites(config, writes, taskId, taskPath);
    const c = config.configurable ?? {};
    const threadId = c["thread_id"] as string | undefined;
    if (threadId === undefined) return;
    let keys = this.writeKeys.get(threadId);
    if (!keys) this.writeKeys.set(threadId, (keys = new Set()));
    keys.add(JSON.stringify([threadId, c["checkpoint_ns"] ?? "", c["checkpoint_id"]]));
  }

  override async deleteThread(threadId: string): Promise<void> {
    delete this.storage[threadId];
    for (const key of this.writeKeys.get(threadId) ?? []) delete this.writes[key];
    this.writeKeys.delete(threadId);
  }
}
