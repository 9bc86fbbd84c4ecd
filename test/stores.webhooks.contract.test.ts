// The store contract for webhook deliveries (the outbox), against both stores
// as in stores.contract.test.ts (kept apart so neither file outgrows the
// length rule): enqueue once per id, claims atomic and leased, and only the
// claim's holder settles it.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { WebhookDelivery } from "../src/domain/records.js";
import type { Stores } from "../src/stores/types.js";
import { storeFactories } from "./helpers/store-factories.js";

const factories = storeFactories("webhooks");

function delivery(overrides: Partial<WebhookDelivery> = {}): WebhookDelivery {
  const runId = randomUUID();
  return {
    deliveryId: runId,
    runId,
    userId: "u1",
    url: "https://example.com/hook",
    body: '{"runId":"x","metadata":{"$where":"1","a.b":2}}',
    status: "pending",
    attempts: 0,
    // Long past, so this suite's deliveries come before any other due one.
    dueAt: new Date(Date.UTC(2000, 0, 1)),
    claim: null,
    lastError: null,
    createdAt: new Date(Date.UTC(2000, 0, 1)),
    ...overrides,
  };
}

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
      await stores.webhooks.failed(got.deliveryId, claim, "cleared by the test");
    }
  }

  describe("webhook deliveries", () => {
    it("round-trips a delivery, and enqueues an id once however often it is asked", async () => {
      const d = delivery();
      expect(await stores.webhooks.enqueue(d)).toBe(true);
      expect(await stores.webhooks.enqueue({ ...d, body: "{}" })).toBe(false);
      expect(await stores.webhooks.get(d.deliveryId)).toEqual(d);
      expect(await stores.webhooks.get("$where")).toBeNull();
    });

    it("takes a delivery enqueued claimed by its enqueuer: its claim holds, and it is not due before its lease ends", async () => {
      const d = delivery({ claim: "mine", attempts: 1, dueAt: new Date(Date.now() + 60_000) });
      expect(await stores.webhooks.enqueue(d)).toBe(true);
      for (let got = await stores.webhooks.claimDue(new Date(), "c", new Date()); got; got = await stores.webhooks.claimDue(new Date(), "c", new Date())) {
        expect(got.deliveryId).not.toBe(d.deliveryId);
        await stores.webhooks.failed(got.deliveryId, "c", "cleared by the test");
      }
      expect(await stores.webhooks.delivered(d.deliveryId, "mine")).toBe(true);
      expect(await stores.webhooks.get(d.deliveryId)).toBeNull();
    });

    it("gives a due delivery to one of racing claimers, counting the attempt and moving its due time to the lease", async () => {
      const d = delivery({ dueAt: new Date(Date.UTC(1999, 0, 1)) });
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
      const later = delivery({ dueAt: new Date(Date.now() + 3_600_000) });
      await stores.webhooks.enqueue(later);
      for (let got = await stores.webhooks.claimDue(new Date(), "c", new Date()); got; got = await stores.webhooks.claimDue(new Date(), "c", new Date())) {
        expect(got.deliveryId).not.toBe(later.deliveryId);
        await stores.webhooks.failed(got.deliveryId, "c", "cleared by the test");
      }
      expect((await stores.webhooks.get(later.deliveryId))?.attempts).toBe(0);
    });

    it("lets only the claim's holder settle it: retry, then delivered removes it", async () => {
      const d = delivery();
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
      const d = delivery();
      await stores.webhooks.enqueue(d);
      await claimUntil(d.deliveryId, "c1", new Date(0));
      expect(await stores.webhooks.failed(d.deliveryId, "c1", "refused")).toBe(true);
      expect(await stores.webhooks.get(d.deliveryId)).toMatchObject({ status: "failed", lastError: "refused", claim: null });
      expect(await stores.webhooks.failed(d.deliveryId, "c1", "again")).toBe(false);
      for (let got = await stores.webhooks.claimDue(new Date(), "c", new Date()); got; got = await stores.webhooks.claimDue(new Date(), "c", new Date())) {
        expect(got.deliveryId).not.toBe(d.deliveryId);
        await stores.webhooks.failed(got.deliveryId, "c", "cleared by the test");
      }
    });

    it("gives a delivery whose holder's lease ended to the next claimer", async () => {
      const d = delivery();
      await stores.webhooks.enqueue(d);
      // Leased until the past: its holder is presumed gone.
      await claimUntil(d.deliveryId, "dead", new Date(Date.UTC(2000, 0, 1)));
      const again = await claimUntil(d.deliveryId, "alive", new Date(Date.now() + 60_000));
      expect(again).toMatchObject({ attempts: 2, claim: "alive" });
      expect(await stores.webhooks.retryAt(d.deliveryId, "dead", new Date(0), "late")).toBe(false);
    });
  });
});
