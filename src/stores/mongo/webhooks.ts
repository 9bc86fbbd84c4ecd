// The webhook_deliveries collection, the outbox of run webhooks. A claim is
// one findOneAndUpdate on the due-query's index (status, due_at): atomic on
// a single document, so racing replicas never both take the same attempt.
// A failed delivery carries keep_until, the date the TTL index webhooks_expiry
// (expireAfterSeconds 0) deletes it at: the retention is written into each
// document as it fails, so changing --webhook-keep-failed-s needs no collMod.
import type { Collection, Document } from "mongodb";
import type { WebhookDelivery } from "../../domain/records.js";
import type { WebhookStore } from "../types.js";
import { isDuplicateKey } from "./guard.js";
import { INDEXES } from "./indexes.js";

export interface WebhookDoc {
  _id: string;
  run_id: string;
  user_id: string;
  url: string;
  body: string;
  status: WebhookDelivery["status"];
  attempts: number;
  due_at: Date;
  claim: string | null;
  last_error: string | null;
  created_at: Date;
  /** Failed only: when the TTL index deletes it; null (or absent, before retention) while pending. */
  keep_until?: Date | null;
}

function fromDoc(doc: WebhookDoc): WebhookDelivery {
  return {
    deliveryId: doc._id,
    runId: doc.run_id,
    userId: doc.user_id,
    url: doc.url,
    body: doc.body,
    status: doc.status,
    attempts: doc.attempts,
    dueAt: doc.due_at,
    claim: doc.claim ?? null,
    lastError: doc.last_error ?? null,
    createdAt: doc.created_at,
    keepUntil: doc.keep_until ?? null,
  };
}

export class MongoWebhookStore implements WebhookStore {
  constructor(private readonly deliveries: Collection<WebhookDoc>) {}

  async enqueue(d: WebhookDelivery): Promise<boolean> {
    const doc: WebhookDoc = {
      _id: d.deliveryId,
      run_id: d.runId,
      user_id: d.userId,
      url: d.url,
      body: d.body,
      status: d.status,
      attempts: d.attempts,
      due_at: d.dueAt,
      claim: d.claim,
      last_error: d.lastError,
      created_at: d.createdAt,
      keep_until: d.keepUntil,
    };
    try {
      await this.deliveries.insertOne(doc);
      return true;
    } catch (error) {
      // Enqueued already, by an earlier try of the same finish.
      if (isDuplicateKey(error)) return false;
      throw error;
    }
  }

  async claimDue(now: Date, claim: string, leaseUntil: Date): Promise<WebhookDelivery | null> {
    const doc = await this.deliveries.findOneAndUpdate(
      { status: "pending", due_at: { $lte: now } },
      { $set: { claim, due_at: leaseUntil }, $inc: { attempts: 1 } },
      // The driver types findAndModify's hint as a key document; the server takes an index name as well, as every other hint here.
      { sort: { due_at: 1 }, hint: INDEXES.webhooksDue.name as unknown as Document, returnDocument: "after" },
    );
    return doc ? fromDoc(doc) : null;
  }

  async delivered(deliveryId: string, claim: string): Promise<boolean> {
    const res = await this.deliveries.deleteOne({ _id: String(deliveryId), status: "pending", claim: String(claim) });
    return res.deletedCount === 1;
  }

  async retryAt(deliveryId: string, claim: string, dueAt: Date, error: string): Promise<boolean> {
    return this.settle(deliveryId, claim, { due_at: dueAt, claim: null, last_error: error });
  }

  async failed(deliveryId: string, claim: string, error: string, keepUntil: Date): Promise<boolean> {
    return this.settle(deliveryId, claim, { status: "failed", claim: null, last_error: error, keep_until: keepUntil });
  }

  async get(deliveryId: string): Promise<WebhookDelivery | null> {
    // Past keep_until is gone, whether or not the TTL monitor (every 60 s) has deleted it yet.
    const doc = await this.deliveries.findOne({ _id: String(deliveryId), $or: [{ keep_until: null }, { keep_until: { $gt: new Date() } }] });
    return doc ? fromDoc(doc) : null;
  }

  async countPending(limit: number): Promise<number> {
    return this.deliveries.countDocuments({ status: "pending" }, { limit, hint: INDEXES.webhooksDue.name });
  }

  private async settle(deliveryId: string, claim: string, set: Partial<WebhookDoc>): Promise<boolean> {
    const res = await this.deliveries.updateOne({ _id: String(deliveryId), status: "pending", claim: String(claim) }, { $set: set });
    return res.matchedCount === 1;
  }
}
