// The store contract for per-user active-run slots (--max-active-runs-per-user),
// against both stores as in stores.contract.test.ts (kept apart so neither file
// outgrows the length rule): taking a slot is atomic, freeing one idempotent.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Stores } from "../src/stores/types.js";
import { storeFactories } from "./helpers/store-factories.js";

const factories = storeFactories("slots");

describe.each(factories)("%s store", (_name, factory) => {
  let stores: Stores;
  beforeAll(async () => {
    stores = await factory();
  });
  afterAll(() => stores.close());

  describe("user slots", () => {
    it("gives at most `limit` of racing runs a slot, the first take for a user included", async () => {
      const userId = `u-${randomUUID()}`;
      const runIds = Array.from({ length: 20 }, (_, i) => `run${i}`);
      const taken = await Promise.all(runIds.map((runId) => stores.runs.takeUserSlot(userId, runId, 2)));
      expect(taken.filter(Boolean)).toHaveLength(2);
      const holders = runIds.filter((_, i) => taken[i]);
      expect((await stores.runs.userSlots(userId)).map((slot) => slot.runId).sort()).toEqual(holders.sort());
      expect(await stores.runs.takeUserSlot(userId, "late", 2)).toBe(false);
    });

    it("frees a slot once, whoever frees it and however often", async () => {
      const userId = `u-${randomUUID()}`;
      expect(await stores.runs.takeUserSlot(userId, "a", 2)).toBe(true);
      expect(await stores.runs.takeUserSlot(userId, "b", 2)).toBe(true);
      await stores.runs.releaseUserSlot(userId, "a");
      await stores.runs.releaseUserSlot(userId, "a");
      await stores.runs.releaseUserSlot(userId, "never-held");
      await stores.runs.releaseUserSlot(`u-${randomUUID()}`, "b");
      expect(await stores.runs.userSlots(userId)).toEqual([{ runId: "b", takenAt: expect.any(Date) }]);
      const again = await Promise.all(["c", "d", "e"].map((runId) => stores.runs.takeUserSlot(userId, runId, 2)));
      expect(again.filter(Boolean)).toHaveLength(1);
    });

    it("keeps each user's slots apart", async () => {
      const [alice, bob] = [`u-${randomUUID()}`, `u-${randomUUID()}`];
      expect(await stores.runs.takeUserSlot(alice, "a1", 1)).toBe(true);
      expect(await stores.runs.takeUserSlot(bob, "b1", 1)).toBe(true);
      expect(await stores.runs.takeUserSlot(alice, "a2", 1)).toBe(false);
      expect((await stores.runs.userSlots(bob)).map((slot) => slot.runId)).toEqual(["b1"]);
    });
  });
});
