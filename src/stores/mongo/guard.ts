// Every database call is bounded: a frozen or unreachable MongoDB turns into
// StoreUnavailableError (UNAVAILABLE to clients) within the configured time,
// never a hang. Duplicate keys surface as DuplicateError where asked.
import { MongoError } from "mongodb";
import { StoreUnavailableError } from "../../domain/errors.js";

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

/** Socket failures the driver sometimes passes on unwrapped (e.g. a write after the server hung up). */
const NETWORK_CODES = new Set(["EPIPE", "ECONNRESET", "ECONNREFUSED", "ECONNABORTED", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH"]);

export function isUnavailable(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 3) return false;
  if (UNAVAILABLE_NAMES.has(error.name)) return true;
  if (NETWORK_CODES.has(String((error as { code?: unknown }).code))) return true;
  if (error instanceof MongoError && (error.hasErrorLabel?.("RetryableWriteError") || error.hasErrorLabel?.("ResetPool"))) return true;
  // A bulk write that failed for a driver reason rather than a write error (a
  // MongoBulkWriteError around a dropped connection) keeps that reason here.
  const wrapped = (error as { errorResponse?: unknown }).errorResponse ?? error.cause;
  return wrapped !== error && isUnavailable(wrapped, depth + 1);
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
