// Every database call is bounded: a frozen or unreachable MongoDB turns into
// StoreUnavailableError (UNAVAILABLE to clients) within the configured time,
// never a hang. Duplicate keys surface as DuplicateError where asked.
import { MongoError } from "mongodb";
import { StoreUnavailableError } from "../types.js";

const UNAVAILABLE_NAMES = new Set([
  "MongoNetworkError",
  "MongoNetworkTimeoutError",
  "MongoServerSelectionError",
  "MongoTopologyClosedError",
  "MongoNotConnectedError",
  "MongoPoolClearedError",
  "MongoWaitQueueTimeoutError",
  "MongoOperationTimeoutError",
]);

export function isDuplicateKey(error: unknown): boolean {
  return error instanceof MongoError && (error.code === 11000 || error.code === 11001);
}

function isUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (UNAVAILABLE_NAMES.has(error.name)) return true;
  return error instanceof MongoError && (error.hasErrorLabel?.("RetryableWriteError") || error.hasErrorLabel?.("ResetPool"));
}

/** Wraps each async method of `target` with a time bound and error mapping. */
export function guard<T extends object>(target: T, timeoutMs: number): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      const value = Reflect.get(object, key, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => bounded(() => value.apply(object, args), timeoutMs, String(key));
    },
  });
}

export async function bounded<R>(call: () => Promise<R>, timeoutMs: number, what: string): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StoreUnavailableError(`database did not answer ${what} within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([call(), timeout]);
  } catch (error) {
    if (isUnavailable(error)) throw new StoreUnavailableError(`database unavailable during ${what}`, { cause: error });
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
