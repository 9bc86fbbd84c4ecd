// MongoDBSaver, bounded and retried like the service's own collections.
import type { MongoDBSaver } from "@langchain/langgraph-checkpoint-mongodb";
import { retryUnavailable } from "../retry.js";
import { bounded } from "./guard.js";

/**
 * MongoDBSaver's writes are upserts keyed by checkpoint id, so retrying them
 * is safe: bound each call and ride out a short outage instead of failing runs.
 */
export function resilientSaver(saver: MongoDBSaver, timeoutMs: number, retryMs: number): MongoDBSaver {
  const retried = new Set(["getTuple", "put", "putWrites", "deleteThread"]);
  return new Proxy(saver, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver);
      if (typeof value !== "function" || !retried.has(String(key))) return value;
      return (...args: unknown[]) =>
        retryUnavailable(() => bounded(() => value.apply(target, args), timeoutMs, `checkpoint ${String(key)}`), retryMs);
    },
  });
}

