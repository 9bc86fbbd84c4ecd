// Webhook deliveries in process memory: gone with the process, like every
// run here (the MongoDB store keeps them across restarts). Failed ones are
// kept for a look until their keepUntil (--webhook-keep-failed-s), swept at
// every call, and at most the latest MAX_FAILED of them, so a receiver that
// is down for good does not grow the process without bound.
import type { WebhookDelivery } from "../../domain/records.js";
import type { WebhookStore } from "../types.js";

const MAX_FAILED = 1_000;

export class MemoryWebhookStore implements WebhookStore {
  private readonly deliveries = new Map<string, WebhookDelivery>();
  /** Failed deliveries' ids, oldest first. */
  private readonly failedIds = new Set<string>();

  async enqueue(delivery: WebhookDelivery): Promise<boolean> {
    this.sweep();
    if (this.deliveries.has(delivery.deliveryId)) return false;
    this.deliveries.set(delivery.deliveryId, { ...delivery });
    return true;
  }

  async claimDue(now: Date, claim: string, leaseUntil: Date): Promise<WebhookDelivery | null> {
    this.sweep();
    let due: WebhookDelivery | null = null;
    for (const d of this.deliveries.values()) {
      if (d.status === "pending" && d.dueAt <= now && (!due || d.dueAt < due.dueAt)) due = d;
    }
    if (!due) return null;
    Object.assign(due, { attempts: due.attempts + 1, claim, dueAt: leaseUntil });
    return { ...due };
  }

  async delivered(deliveryId: string, claim: string): Promise<boolean> {
    if (!this.held(deliveryId, claim)) return false;
    return this.deliveries.delete(deliveryId);
  }

  async retryAt(deliveryId: string, claim: string, dueAt: Date, error: string): Promise<boolean> {
    const held = this.held(deliveryId, claim);
    if (held) Object.assign(held, { dueAt, claim: null, lastError: error });
    return held !== null;
  }

  async failed(deliveryId: string, claim: string, error: string, keepUntil: Date): Promise<boolean> {
    const held = this.held(deliveryId, claim);
    if (!held) return false;
    Object.assign(held, { status: "failed", claim: null, lastError: error, keepUntil });
    this.failedIds.add(deliveryId);
    this.sweep();
    return true;
  }

  async get(deliveryId: string): Promise<WebhookDelivery | null> {
    this.sweep();
    const d = this.deliveries.get(deliveryId);
    return d && !expired(d, Date.now()) ? { ...d } : null;
  }

  async countPending(limit: number): Promise<number> {
    let count = 0;
    for (const d of this.deliveries.values()) {
      if (count >= limit) break;
      if (d.status === "pending") count++;
    }
    return count;
  }

  /**
   * Drops failed deliveries past their keepUntil, then the oldest while over
   * MAX_FAILED. A scan of at most MAX_FAILED on every call: no more than
   * claimDue's own scan of every delivery.
   */
  private sweep(): void {
    const now = Date.now();
    for (const id of this.failedIds) {
      const d = this.deliveries.get(id);
      if (d && !expired(d, now)) continue;
      this.failedIds.delete(id);
      this.deliveries.delete(id);
    }
    for (const oldest of this.failedIds) {
      if (this.failedIds.size <= MAX_FAILED) break;
      this.failedIds.delete(oldest);
      this.deliveries.delete(oldest);
    }
  }

  private held(deliveryId: string, claim: string): WebhookDelivery | null {
    const d = this.deliveries.get(deliveryId);
    return d && d.status === "pending" && d.claim === claim ? d : null;
  }
}

/** A failed delivery past its keepUntil: as good as gone. */
function expired(d: WebhookDelivery, now: number): boolean {
  return d.status === "failed" && d.keepUntil !== null && d.keepUntil.getTime() <= now;
}
