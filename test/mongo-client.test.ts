// How the MongoDB store talks to its database: acknowledged writes survive a
// replica-set failover (w: majority, journaled), and the per-thread seq
// guesses it keeps in memory stay bounded however many threads it writes to.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { MongoClient } from "mongodb";
import { MongoEventStore, type EventDoc } from "../src/stores/mongo/events.js";
import { openMongoStores } from "../src/stores/mongo/index.js";

const database = `client_${randomUUID().slice(0, 8)}`;
let client: MongoClient;
beforeAll(async () => {
  client = await new MongoClient(inject("mongodbUri")).connect();
});
afterAll(() => client.close());

describe("the store's client", () => {
  it("writes with w: majority and journal, for the service's collections and the checkpoints alike", async () => {
    const opened = await openMongoStores({ uri: inject("mongodbUri"), database, timeoutMs: 5_000 });
    try {
      expect(opened.client.writeConcern).toMatchObject({ w: "majority", journal: true });
      // The test server accepts it: a write round-trips.
      await opened.stores.threads.ensure(randomUUID(), "u1");
    } finally {
      await opened.stores.close();
    }
  });
});

describe("seq guesses", () => {
  it("are kept for a bounded number of threads, and a forgotten thread still gets the right seqs", async () => {
    const events = new MongoEventStore(client.db(database).collection<EventDoc>("run_events"), 3);
    const threads = Array.from({ length: 5 }, () => randomUUID());
    const meta = (threadId: string) => ({ kind: "metadata" as const, data: { run_id: "r", thread_id: threadId, assistant_id: "demo" } });
    for (const threadId of threads) await events.append(threadId, "r", [meta(threadId)]);
    expect(events.rememberedThreads).toBe(3);
    // threads[0] was forgotten: its next append finds seq 1 in the database and goes on at 2.
    const [next] = await events.append(threads[0]!, "r", [meta(threads[0]!)]);
    expect(next?.seq).toBe(2);
    expect(events.rememberedThreads).toBe(3);
  });
});
