// The MongoDB store: runs, run_events, feedback and threads collections plus
// MongoDBSaver's checkpoints, over the official driver. It relies only on what
// every deployment guarantees: single-document atomic updates and unique
// indexes (no transactions, no change streams).
import { MongoClient } from "mongodb";
import { MongoDBSaver } from "@langchain/langgraph-checkpoint-mongodb";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Stores } from "../types.js";
import { MongoEventStore, type EventDoc } from "./events.js";
import { MongoFeedbackStore, type FeedbackDoc } from "./feedback.js";
import { bounded, guard } from "./guard.js";
import { createIndexes } from "./indexes.js";
import { MongoRunStore, type RunDoc, type RunSlotsDoc } from "./runs.js";
import { resilientSaver } from "./saver.js";
import { MongoThreadStore, type ThreadDoc } from "./threads.js";
import { MongoWebhookStore, type WebhookDoc } from "./webhooks.js";

export { INDEXES, createIndexes } from "./indexes.js";

export interface MongoStoreOptions {
  uri: string;
  database: string;
  /** Bound on each database operation before StoreUnavailableError. */
  timeoutMs: number;
  /** How long checkpoint writes ride out an outage before they fail. */
  retryMs?: number;
}

export async function openMongoStores(options: MongoStoreOptions): Promise<{ stores: Stores; checkpointer: BaseCheckpointSaver; client: MongoClient }> {
  const { timeoutMs } = options;
  const client = new MongoClient(options.uri, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    socketTimeoutMS: timeoutMs * 2,
    waitQueueTimeoutMS: timeoutMs,
    heartbeatFrequencyMS: 1000,
    maxPoolSize: 100,
    // A run, its events and its feedback are acknowledged only once a majority of the replica set
    // has them in its journal: a failover then loses no acknowledged write (docs/security-and-operations.md).
    writeConcern: { w: "majority", journal: true },
  });
  await bounded(() => client.connect(), timeoutMs * 2, "connect");
  const db = client.db(options.database);
  await bounded(() => createIndexes(db), timeoutMs * 4, "createIndexes");
  const checkpointer = resilientSaver(new MongoDBSaver({ client, dbName: options.database }), timeoutMs, options.retryMs ?? 120_000);
  const stores: Stores = {
    kind: "mongodb",
    runs: guard(new MongoRunStore(db.collection<RunDoc>("runs"), db.collection<RunSlotsDoc>("run_slots")), timeoutMs),
    threads: guard(new MongoThreadStore(db.collection<ThreadDoc>("threads")), timeoutMs),
    events: guard(new MongoEventStore(db.collection<EventDoc>("run_events")), timeoutMs),
    feedback: guard(new MongoFeedbackStore(db.collection<FeedbackDoc>("feedback")), timeoutMs),
    webhooks: guard(new MongoWebhookStore(db.collection<WebhookDoc>("webhook_deliveries")), timeoutMs),
    ping: () => bounded(async () => void (await db.command({ ping: 1 })), timeoutMs, "ping"),
    close: () => client.close(),
  };
  return { stores, checkpointer, client };
}

