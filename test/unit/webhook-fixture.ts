// What the webhook unit tests share: settings that deliver quickly to a
// receiver on 127.0.0.1, and a wait for a delivery's outcome.
import { vi } from "vitest";

export const WEBHOOK_SECRET = "test-webhook-secret";

/** Private addresses allowed (the receiver is local), a short backoff, and an answer awaited 2 s at most. */
export const fast = { webhookSecret: WEBHOOK_SECRET, webhookAllowPrivate: true, webhookBackoffMs: 40, webhookTimeoutMs: 2_000 };

/** Retries `check` every 10 ms until it passes, for 10 s at most. */
export const waitFor = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 10_000, interval: 10 });
