// Webhook deliveries in process memory: gone with the process, like every
// run here (the MongoDB store keeps them across restarts). Failed ones are
// kept for a look, the latest MAX_FAILED of them, so a receiver that is down
// for good does not grow the process without bound.
import type { WebhookDelivery } from "../../domain/records.js";
import type { WebhookStore } from "../types.js";

const MAX_FAILED = 1_000;

export class MemoryWebhookStore implements WebhookStore {
  private readonly deliveries = new Map<string, WebhookDelivery>();
  /** Failed deliveries' ids, oldest first. */
  private readonly failedIds = new Set<string>();

  async enqueue(delivery: WebhookDelivery): Promise<boolean> {
    if (this.deliveries.has(delivery.deliveryId)) return false;
    this.deliveries.set(delivery.deliveryId, { ...delivery });
    return true;
  }

  async claimDue(now: Date, claim: string, leaseUntil: Date): Promise<WebhookDelivery | null> {
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

  async failed(deliveryId: string, claim: string, error: string): Promise<boolean> {
    const held = this.held(deliveryId, claim);
    if (!held) return false;
    Object.assign(held, { status: "failed", claim: null, lastError: error });
    this.failedIds.add(deliveryId);
    for (const oldest of this.failedIds) {
      if (this.failedIds.size <= MAX_FAILED) break;
      this.failedIds.delete(oldest);
      this.deliveries.delete(oldest);
    }
    return true;
  }

  async get(deliveryId: string): Promise<WebhookDelivery | null> {
    const d = this.deliveries.get(deliveryId);
    return d ? { ...d } : null;
  }

  private held(deliveryId: string, claim: string): WebhookDelivery | null {
    const d = this.deliveries.get(deliveryId);
    return d && d.status === "pending" && d.claim === claim ? d : null;
  }
}
