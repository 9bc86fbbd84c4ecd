// The store contract for webhook deliveries (the outbox), against both stores
// as in stores.contract.test.ts (kept apart so neither file outgrows the
// length rule): enqueue once per id, claims atomic and leased, only the
// claim's holder settles it, failed ones kept until their keepUntil; and the
// TTL index that deletes them on MongoDB.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { WebhookDelivery } from "../src/domain/records.js";
import { INDEXES, openMongoStores } from "../src/stores/mongo/index.js";
import type { Stores } from "../src/stores/types.js";
import { newDelivery } from "./helpers/records.js";
import { storeFactories } from "./helpers/store-factories.js";

const factories = storeFactories("webhooks");
/** How long the deliveries this suite fails on the way are kept. */
const KEEP = new Date(Date.now() + 3_600_000);

describe.each(factories)("%s store", (_name, factory) => {
  let stores: Stores;
  beforeAll(async () => {
    stores = await factory();
  });
  afterAll(() => stores.close());

  /** Claims until `deliveryId` comes up (other tests' due deliveries are settled on the way). */
  async function claimUntil(deliveryId: string, claim: string, leaseUntil: Date): Promise<WebhookDelivery> {
    for (;;) {
      const got = await stores.webhooks.claimDue(new Date(), claim, leaseUntil);
      if (!got) throw new Error(`${deliveryId} was not due`);
      if (got.deliveryId === deliveryId) return got;
      await stores.webhooks.failed(got.deliveryId, claim, "cleared by the test", KEEP);
    }
  }

  describe("webhook deliveries", () => {
    it("round-trips a delivery, and enqueues an id once however often it is asked", async () => {
      const d = newDelivery();
      expect(await stores.webhooks.enqueue(d)).toBe(true);
      expect(await stores.webhooks.enqueue({ ...d, body: "{}" })).toBe(false);
      expect(await stores.webhooks.get(d.deliveryId)).toEqual(d);
      expect(await stores.webhooks.get("$where")).toBeNull();
    });

    it("takes a delivery enqueued claimed by its enqueuer: its claim holds, and it is not due before its lease ends", async () => {
      const d = newDelivery({ claim: "mine", attempts: 1, dueAt: new Date(Date.now() + 60_000) });
      expect(await stores.webhooks.enqueue(d)).toBe(true);
      for (let got = await stores.webhooks.claimDue(new Date(), "c", new Date()); got; got = await stores.webhooks.claimDue(new Date(), "c", new Date())) {
        expect(got.deliveryId).not.toBe(d.deliveryId);
        await stores.webhooks.failed(got.deliveryId, "c", "cleared by the test", KEEP);
      }
      expect(await stores.webhooks.delivered(d.deliveryId, "mine")).toBe(true);
      expect(await stores.webhooks.get(d.deliveryId)).toBeNull();
    });

    it("gives a due delivery to one of racing claimers, counting the attempt and moving its due time to the lease", async () => {
      const d = newDelivery({ dueAt: new Date(Date.UTC(1999, 0, 1)) });
      await stores.webhooks.enqueue(d);
      const lease = new Date(Date.now() + 60_000);
      const claims = Array.from({ length: 20 }, () => randomUUID());
      const got = await Promise.all(claims.map((claim) => stores.webhooks.claimDue(new Date(), claim, lease)));
      const mine = got.filter((g) => g?.deliveryId === d.deliveryId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ attempts: 1, dueAt: lease, status: "pending" });
      expect(claims).toContain(mine[0]!.claim);
      // Leased: not due again until the lease ends.
      const stored = await stores.webhooks.get(d.deliveryId);
      expect(stored?.dueAt).toEqual(lease);
    });

    it("hands out nothing before it is due", async () => {
      const later = newDelivery({ dueAt: new Date(Date.now() + 3_600_000) });
      await stores.webhooks.enqueue(later);
      for (let got = await stores.webhooks.claimDue(new Date(), "c", new Date()); got; got = await stores.webhooks.claimDue(new Date(), "c", new Date())) {
        expect(got.deliveryId).not.toBe(later.deliveryId);
        await stores.webhooks.failed(got.deliveryId, "c", "cleared by the test", KEEP);
      }
      expect((await stores.webhooks.get(later.deliveryId))?.attempts).toBe(0);
    });

    it("lets only the claim's holder settle it: retry, then delivered removes it", async () => {
      const d = newDelivery();
      await stores.webhooks.enqueue(d);
      const first = await claimUntil(d.deliveryId, "c1", new Date(Date.now() + 60_000));
      expect(await stores.webhooks.retryAt(d.deliveryId, "other", new Date(0), "x")).toBe(false);
      expect(await stores.webhooks.delivered(d.deliveryId, "other")).toBe(false);
      const retryAt = new Date(Date.UTC(2000, 0, 2));
      expect(await stores.webhooks.retryAt(d.deliveryId, first.claim!, retryAt, "HTTP 500")).toBe(true);
      expect(await stores.webhooks.get(d.deliveryId)).toMatchObject({ dueAt: retryAt, claim: null, lastError: "HTTP 500", attempts: 1 });
      // Released: the old claim no longer holds it.
      expect(await stores.webhooks.delivered(d.deliveryId, "c1")).toBe(false);
      const second = await claimUntil(d.deliveryId, "c2", new Date(Date.now() + 60_000));
      expect(second.attempts).toBe(2);
      expect(await stores.webhooks.delivered(d.deliveryId, "c2")).toBe(true);
      expect(await stores.webhooks.get(d.deliveryId)).toBeNull();
    });

    it("marks a delivery failed for good: never claimed again", async () => {
      const d = newDelivery();
      await stores.webhooks.enqueue(d);
      await claimUntil(d.deliveryId, "c1", new Date(0));
      expect(await stores.webhooks.failed(d.deliveryId, "c1", "refused", KEEP)).toBe(true);
      expect(await stores.webhooks.get(d.deliveryId)).toMatchObject({ status: "failed", lastError: "refused", claim: null, keepUntil: KEEP });
      expect(await stores.webhooks.failed(d.deliveryId, "c1", "again", KEEP)).toBe(false);
      for (let got = await stores.webhooks.claimDue(new Date(), "c", new Date()); got; got = await stores.webhooks.claimDue(new Date(), "c", new Date())) {
        expect(got.deliveryId).not.toBe(d.deliveryId);
        await stores.webhooks.failed(got.deliveryId, "c", "cleared by the test", KEEP);
      }
    });

    it("keeps a failed delivery until its keepUntil, then finds it no more", async () => {
      const kept = newDelivery();
      const gone = newDelivery();
      // One after the other: claiming one fails any due one on the way.
      await stores.webhooks.enqueue(kept);
      await claimUntil(kept.deliveryId, "k", new Date(Date.now() + 60_000));
      await stores.webhooks.enqueue(gone);
      await claimUntil(gone.deliveryId, "g", new Date(Date.now() + 60_000));
      expect(await stores.webhooks.failed(kept.deliveryId, "k", "HTTP 500", new Date(Date.now() + 60_000))).toBe(true);
      expect(await stores.webhooks.failed(gone.deliveryId, "g", "HTTP 500", new Date(Date.now() - 1))).toBe(true);
      expect((await stores.webhooks.get(kept.deliveryId))?.status).toBe("failed");
      // Past its keepUntil: gone for get, freed or not yet (MongoDB's TTL monitor runs once a minute).
      expect(await stores.webhooks.get(gone.deliveryId)).toBeNull();
    });

    it("counts pending deliveries, due or not, up to the limit, and no failed ones", async () => {
      // Nothing due from here on but what this test enqueues due.
      for (let got = await stores.webhooks.claimDue(new Date(), "c", new Date(Date.now() + 3_600_000)); got; got = await stores.webhooks.claimDue(new Date(), "c", new Date(Date.now() + 3_600_000))) {
        await stores.webhooks.failed(got.deliveryId, "c", "cleared by the test", KEEP);
      }
      const before = await stores.webhooks.countPending(100_000);
      const later = Array.from({ length: 3 }, () => newDelivery({ dueAt: new Date(Date.now() + 3_600_000) }));
      for (const d of later) await stores.webhooks.enqueue(d);
      expect(await stores.webhooks.countPending(100_000)).toBe(before + 3);
      expect(await stores.webhooks.countPending(before + 2)).toBe(before + 2);
      const failing = newDelivery();
      await stores.webhooks.enqueue(failing);
      expect((await stores.webhooks.claimDue(new Date(), "f", new Date(0)))?.deliveryId).toBe(failing.deliveryId);
      expect(await stores.webhooks.countPending(100_000)).toBe(before + 4);
      await stores.webhooks.failed(failing.deliveryId, "f", "HTTP 500", KEEP);
      expect(await stores.webhooks.countPending(100_000)).toBe(before + 3);
    });

    it("gives a delivery whose holder's lease ended to the next claimer", async () => {
      const d = newDelivery();
      await stores.webhooks.enqueue(d);
      // Leased until the past: its holder is presumed gone.
      await claimUntil(d.deliveryId, "dead", new Date(Date.UTC(2000, 0, 1)));
      const again = await claimUntil(d.deliveryId, "alive", new Date(Date.now() + 60_000));
      expect(again).toMatchObject({ attempts: 2, claim: "alive" });
      expect(await stores.webhooks.retryAt(d.deliveryId, "dead", new Date(0), "late")).toBe(false);
    });
  });
});

describe("MongoDB's retention of failed deliveries", () => {
  let opened: Awaited<ReturnType<typeof openMongoStores>>;
  const database = `webhooks_ttl_${randomUUID().slice(0, 8)}`;
  beforeAll(async () => {
    opened = await openMongoStores({ uri: inject("mongodbUri"), database, timeoutMs: 5000 });
  });
  afterAll(() => opened.stores.close());

  // mongo-java-server (these tests' server) stores a TTL index but never expires anything (it has no TTL
  // monitor), so the deletion itself is MongoDB's and not seen here: what is checked is what it acts on.
  it("stores keep_until as a date, and webhooks_expiry is a TTL index on it (expireAfterSeconds 0: deleted at keep_until)", async () => {
    const d = newDelivery();
    const keepUntil = new Date(Date.now() + 7 * 86_400_000);
    await opened.stores.webhooks.enqueue(d);
    const claimed = await opened.stores.webhooks.claimDue(new Date(), "c", new Date(0));
    expect(claimed?.deliveryId).toBe(d.deliveryId);
    expect(await opened.stores.webhooks.failed(d.deliveryId, "c", "HTTP 500", keepUntil)).toBe(true);
    const collection = opened.client.db(database).collection("webhook_deliveries");
    const doc = await collection.findOne({ _id: d.deliveryId as never });
    expect(doc?.["keep_until"]).toBeInstanceOf(Date);
    expect(doc?.["keep_until"]).toEqual(keepUntil);
    const indexes = await collection.listIndexes().toArray();
    expect(indexes.find((index) => index["name"] === INDEXES.webhooksExpiry.name)).toMatchObject({ key: { keep_until: 1 }, expireAfterSeconds: 0 });
    // A pending delivery has no date there, so the TTL index never touches it.
    const pending = newDelivery({ dueAt: new Date(Date.now() + 3_600_000) });
    await opened.stores.webhooks.enqueue(pending);
    expect((await collection.findOne({ _id: pending.deliveryId as never }))?.["keep_until"]).toBeNull();
  });
});
