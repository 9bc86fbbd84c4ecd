// Both stores, for the store contract suites: the memory store, and the
// MongoDB store on the suite's MongoDB-wire server in a database of its own.
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { createMemoryStores } from "../../src/stores/memory/index.js";
import { openMongoStores } from "../../src/stores/mongo/index.js";
import type { Stores } from "../../src/stores/types.js";

export function storeFactories(databasePrefix: string): Array<[string, () => Promise<Stores>]> {
  return [
    ["memory", async () => createMemoryStores()],
    [
      "mongodb",
      async () => {
        const database = `${databasePrefix}_${randomUUID().slice(0, 8)}`;
        const { stores } = await openMongoStores({ uri: inject("mongodbUri"), database, timeoutMs: 5000 });
        return stores;
      },
    ],
  ];
}
