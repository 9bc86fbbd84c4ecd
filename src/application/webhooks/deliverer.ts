// Sends run webhooks from the store's outbox, on every replica: a finished
// run's delivery is enqueued (with the run's JSON as it ended) already
// claimed by this replica and sent at once; any replica's deliverer takes
// what is due (retries, and deliveries left by a replica that stopped), one
// claim per attempt. A 2xx
// removes it; anything else is retried with exponential backoff and jitter,
// up to maxAttempts, then marked failed, logged and kept for keepFailedMs.
// Each outcome is told to an observer (the server's metrics) by closure, so
// this layer knows nothing of Prometheus.
import { randomUUID } from "node:crypto";
import http from "node:http";
import https from "node:https";
import type { Logger } from "pino";
import type { RunRecord, WebhookDelivery } from "../../domain/records.js";
import type { WebhookStore } from "../../stores/types.js";
import { postWebhook, systemResolveAll, type PostOutcome, type ResolveAll } from "./post.js";

export interface WebhookOptions {
  /** The HMAC key of x-agent-runs-signature; null: runs may not ask for a webhook. */
  secret: string | null;
  /** Lets webhooks reach loopback, private and link-local addresses. */
  allowPrivate: boolean;
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  /** Bound on each POST, connect to end of the answer. */
  timeoutMs: number;
  /** Delay before the first retry; doubles with each one (up to MAX_BACKOFF_MS), jittered. */
  backoffMs: number;
  /** The run as the API shows it (proto3 JSON): given by the adapter layer, which owns the wire format. */
  runJson: (run: RunRecord) => string;
  /** How long a delivery given up stays in the store (--webhook-keep-failed-s), then the store deletes it. */
  keepFailedMs: number;
  /** Name resolution (tests resolve names of their own); default node:dns. */
  resolveAll?: ResolveAll;
  /** Told of every attempt's outcome (the server's metrics); default: no one. */
  observer?: WebhookObserver;
}

/**
 * delivered: a 2xx (each such POST, so a delivery sent twice counts twice); failed_attempt: any other
 * answer, a network error or a timeout, to be retried; given_up: the delivery failed for good (once each).
 */
export type WebhookOutcome = "delivered" | "failed_attempt" | "given_up";

export interface WebhookObserver {
  attempt(outcome: WebhookOutcome): void;
  /** A delivery's 2xx, `seconds` after its run ended (when it was stored). */
  delivered(seconds: number): void;
}

const NO_OBSERVER: WebhookObserver = { attempt: () => {}, delivered: () => {} };

/** Bound on the count of pending deliveries (for the metrics): one cheap count, however deep an outage has made the outbox. */
const PENDING_COUNT_LIMIT = 10_000;

/** POSTs in flight per replica: enough that a few slow receivers (each up to timeoutMs) do not hold up the rest. */
const MAX_IN_FLIGHT = 64;
const MAX_BACKOFF_MS = 10 * 60_000;
/**
 * How often a replica looks for deliveries it did not schedule itself (those
 * of a replica that stopped): its own retries have timers, so this is rare.
 */
const MAX_POLL_MS = 5_000;

export class WebhookDeliverer {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private poller: NodeJS.Timeout | null = null;
  private pumping = false;
  private again = false;
  private capped = false;
  private readonly observer: WebhookObserver;

  constructor(
    private readonly store: WebhookStore,
    private readonly options: WebhookOptions,
    private readonly logger: Logger,
  ) {
    this.observer = options.observer ?? NO_OBSERVER;
  }

  /**
   * Keeps the delivery of a finished run that asked for one (a no-op, no store call, for any
   * other), claimed by this replica when it has room, and sends it at once: no claim round trip.
   */
  async enqueue(run: RunRecord): Promise<void> {
    const url = run.kwargs.webhook;
    if (!url) return;
    const now = Date.now();
    const claim = this.poller && this.inFlight.size < MAX_IN_FLIGHT ? randomUUID() : null;
    const delivery: WebhookDelivery = {
      deliveryId: run.runId, runId: run.runId, userId: run.userId, url, body: this.options.runJson(run), status: "pending",
      attempts: claim ? 1 : 0, dueAt: new Date(claim ? now + this.leaseMs() : now), claim, lastError: null, createdAt: new Date(now), keepUntil: null,
    };
    // Already there (an earlier try of this finish stored it): whoever holds it sends it.
    if (!(await this.store.enqueue(delivery))) return;
    if (claim) this.track(this.attempt(delivery, claim));
    else this.kick();
  }

  /** How long a claim holds: past it the delivery is due again, so a holder that died mid-POST gives it back. */
  private leaseMs(): number {
    return 2 * this.options.timeoutMs + 1_000;
  }

  /** Deliveries waiting (pending, on any replica), counted up to PENDING_COUNT_LIMIT. */
  pendingCount(): Promise<number> {
    return this.store.countPending(PENDING_COUNT_LIMIT);
  }

  start(): void {
    if (this.poller) return;
    this.poller = setInterval(() => this.kick(), Math.max(10, Math.min(MAX_POLL_MS, this.options.backoffMs)));
    this.poller.unref();
    this.kick();
  }

  /** Stops taking deliveries and waits for the POSTs in flight (each bounded by timeoutMs); what is left stays in the store. */
  async stop(): Promise<void> {
    if (this.poller) clearInterval(this.poller);
    this.poller = null;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    await Promise.allSettled([...this.inFlight]);
    this.agents.http.destroy();
    this.agents.https.destroy();
  }

  /** Claims what is due now; a call during a claim loop makes it go round once more. */
  private kick(): void {
    if (!this.poller) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      do {
        this.again = false;
        while (this.poller) {
          // At the cap, the next attempt to finish goes round again (more may be due).
          if (this.inFlight.size >= MAX_IN_FLIGHT) {
            this.capped = true;
            break;
          }
          const claim = randomUUID();
          const now = Date.now();
          const delivery = await this.store.claimDue(new Date(now), claim, new Date(now + this.leaseMs()));
          if (!delivery) break;
          this.track(this.attempt(delivery, claim));
        }
      } while (this.again && this.poller);
    } catch (error) {
      this.logger.warn({ err: error }, "claiming webhook deliveries failed; trying again later");
    } finally {
      this.pumping = false;
    }
  }

  private track(attempt: Promise<void>): void {
    this.inFlight.add(attempt);
    void attempt.finally(() => {
      this.inFlight.delete(attempt);
      if (!this.capped) return;
      this.capped = false;
      this.kick();
    });
  }

  private async attempt(delivery: WebhookDelivery, claim: string): Promise<void> {
    const { deliveryId, runId, attempts } = delivery;
    const log = { delivery_id: deliveryId, run_id: runId, attempt: attempts };
    try {
      const outcome = await this.post(delivery);
      if (outcome.kind === "delivered") {
        // Counted before the bookkeeping: the receiver has it, whatever the store says next.
        this.observer.attempt("delivered");
        this.observer.delivered((Date.now() - delivery.createdAt.getTime()) / 1000);
        await this.store.delivered(deliveryId, claim);
        this.logger.debug({ ...log, answer: outcome.detail }, "webhook delivered");
      } else if (outcome.kind === "refused" || attempts >= this.options.maxAttempts) {
        const keepUntil = new Date(Date.now() + this.options.keepFailedMs);
        // Counted once stored: a claim lost meanwhile leaves the giving up (and its count) to the new holder.
        if (await this.store.failed(deliveryId, claim, outcome.detail, keepUntil)) this.observer.attempt("given_up");
        const why = outcome.kind === "refused" ? "refused" : `gave up after ${attempts} attempts`;
        this.logger.warn({ ...log, url: delivery.url, error: outcome.detail, kept_until: keepUntil.toISOString() }, `webhook delivery failed: ${why}`);
      } else {
        this.observer.attempt("failed_attempt");
        const delayMs = this.backoff(attempts);
        await this.store.retryAt(deliveryId, claim, new Date(Date.now() + delayMs), outcome.detail);
        this.logger.info({ ...log, error: outcome.detail, retry_in_ms: delayMs }, "webhook not delivered; will retry");
        this.retryLater(delayMs);
      }
    } catch (error) {
      // The store failed: the claim's lease runs out and the delivery comes due again.
      this.logger.warn({ ...log, err: error }, "webhook bookkeeping failed; the delivery is retried when its lease ends");
    }
  }

  private post(delivery: WebhookDelivery): Promise<PostOutcome> {
    const { secret, allowPrivate, timeoutMs, maxAttempts } = this.options;
    // More attempts than allowed: the holders of the earlier ones stopped before settling them.
    if (delivery.attempts > maxAttempts) return Promise.resolve({ kind: "refused", detail: `${delivery.attempts - 1} attempts started and none settled` });
    if (secret === null) return Promise.resolve({ kind: "refused", detail: "this server has no --webhook-secret to sign with" });
    const target = { url: delivery.url, body: delivery.body, deliveryId: delivery.deliveryId, attempt: delivery.attempts };
    return postWebhook(target, { secret, allowPrivate, timeoutMs, resolveAll: this.options.resolveAll ?? systemResolveAll, agents: this.agents });
  }

  /** backoffMs doubling per attempt, capped, times a random factor in [0.5, 1): replicas retrying together spread out. */
  private backoff(attempts: number): number {
    const exponential = Math.min(MAX_BACKOFF_MS, this.options.backoffMs * 2 ** Math.min(30, attempts - 1));
    return Math.max(1, Math.round(exponential * (0.5 + Math.random() / 2)));
  }

  /** This replica's retries come on time, not at the next poll (another replica may take them: whoever claims first). */
  private retryLater(delayMs: number): void {
    const timer = setTimeout(() => {
      this.retryTimers.delete(timer);
      this.kick();
    }, delayMs);
    timer.unref();
    this.retryTimers.add(timer);
  }
}
