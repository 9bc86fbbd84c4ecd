// Opens the configured store with its checkpointer: memory (the embedded
// default) or MongoDB (loaded only when asked for).
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Logger } from "pino";
import { createMemoryStores } from "./memory/index.js";
import { BoundedMemorySaver } from "./memory-saver.js";
import type { Stores } from "./types.js";

export type StoreOptions =
  | { store: "memory"; memoryMaxRuns: number; memoryMaxBytes: number; memoryMaxCheckpointsPerThread: number }
  | { store: "mongodb"; mongodbUri: string | null; mongodbDatabase: string; storeTimeoutMs: number; storeRetryMs: number };

export async function openStores(options: StoreOptions, logger: Logger): Promise<{ stores: Stores; checkpointer: BaseCheckpointSaver }> {
  if (options.store === "mongodb") {
    if (!options.mongodbUri) throw new Error("the mongodb store needs a MongoDB URI");
    const { openMongoStores } = await import("./mongo/index.js");
    const opened = await openMongoStores({
      uri: options.mongodbUri,
      database: options.mongodbDatabase,
      timeoutMs: options.storeTimeoutMs,
      retryMs: options.storeRetryMs,
    });
    logger.info({ database: options.mongodbDatabase }, "connected to MongoDB; indexes ensured");
    return opened;
  }
  const checkpointer = new BoundedMemorySaver({ maxCheckpointsPerThread: options.memoryMaxCheckpointsPerThread });
  const stores = createMemoryStores({
    maxRuns: options.memoryMaxRuns,
    maxBytes: options.memoryMaxBytes,
    checkpointBytes: () => checkpointer.bytes,
    onThreadEvicted: (threadId) => void checkpointer.deleteThread(threadId),
  });
  return { stores, checkpointer };
}
