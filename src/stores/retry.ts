// Rides out a database outage: retries a call that failed with
// StoreUnavailableError, with backoff, for at most `budgetMs`.
import { StoreUnavailableError } from "../domain/errors.js";

export async function retryUnavailable<T>(call: () => Promise<T>, budgetMs: number, onRetry?: (error: unknown) => void): Promise<T> {
  const deadline = Date.now() + budgetMs;
  let delay = 100;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof StoreUnavailableError) || Date.now() + delay > deadline) throw error;
      onRetry?.(error);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}
