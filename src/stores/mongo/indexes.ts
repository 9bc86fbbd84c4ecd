// The indexes of the service's collections. Every query hints the one that
// serves it (test/mongo-indexes.test.ts checks each hint against these).
import type { Db } from "mongodb";

/** The index each query is meant to use on real MongoDB (passed as a hint). */
export const INDEXES = {
  runsByThread: { name: "runs_by_thread", key: { thread_id: 1, status: 1, created_at: 1 } },
  runsByLease: { name: "runs_by_lease", key: { status: 1, lease_until: 1 } },
  runsPending: { name: "runs_pending", key: { status: 1, created_at: 1 } },
  runsByUser: { name: "runs_by_user_created", key: { user_id: 1, created_at: -1, _id: -1 } },
  runsByUserThread: { name: "runs_by_user_thread_created", key: { user_id: 1, thread_id: 1, created_at: -1, _id: -1 } },
  /** Sparse: only runs marked deleting have the field, so the index holds just the deletes in progress. */
  runsDeleting: { name: "runs_deleting", key: { deleting: 1 }, sparse: true },
  eventsBySeq: { name: "events_thread_seq", key: { thread_id: 1, seq: 1 }, unique: true },
  eventsByRun: { name: "events_by_run", key: { run_id: 1, cat: 1, seq: 1 } },
  // Partial: only message rows are in it (a run's stream events, the bulk of the log, cost it no write).
  eventsThreadMessages: { name: "events_thread_messages", key: { thread_id: 1, seq: 1 }, partialFilterExpression: { cat: "message" } },
  feedbackByRunUser: { name: "feedback_run_user", key: { run_id: 1, user_id: 1 }, unique: true },
  threadsByUser: { name: "threads_by_user", key: { user_id: 1, created_at: -1, _id: -1 } },
  webhooksDue: { name: "webhooks_due", key: { status: 1, due_at: 1 } },
  // TTL: MongoDB deletes a failed delivery once its keep_until has passed (pending ones have none). Serves no query.
  webhooksExpiry: { name: "webhooks_expiry", key: { keep_until: 1 }, expireAfterSeconds: 0 },
} as const;

export async function createIndexes(db: Db): Promise<void> {
  const runs = db.collection("runs");
  await runs.createIndex(INDEXES.runsByThread.key, { name: INDEXES.runsByThread.name });
  await runs.createIndex(INDEXES.runsByLease.key, { name: INDEXES.runsByLease.name });
  await runs.createIndex(INDEXES.runsPending.key, { name: INDEXES.runsPending.name });
  await runs.createIndex(INDEXES.runsByUser.key, { name: INDEXES.runsByUser.name });
  await runs.createIndex(INDEXES.runsByUserThread.key, { name: INDEXES.runsByUserThread.name });
  await runs.createIndex(INDEXES.runsDeleting.key, { name: INDEXES.runsDeleting.name, sparse: true });
  const events = db.collection("run_events");
  await events.createIndex(INDEXES.eventsBySeq.key, { name: INDEXES.eventsBySeq.name, unique: true });
  await events.createIndex(INDEXES.eventsByRun.key, { name: INDEXES.eventsByRun.name });
  await events.createIndex(INDEXES.eventsThreadMessages.key, {
    name: INDEXES.eventsThreadMessages.name,
    partialFilterExpression: INDEXES.eventsThreadMessages.partialFilterExpression,
  });
  await db.collection("feedback").createIndex(INDEXES.feedbackByRunUser.key, { name: INDEXES.feedbackByRunUser.name, unique: true });
  await db.collection("threads").createIndex(INDEXES.threadsByUser.key, { name: INDEXES.threadsByUser.name });
  const webhooks = db.collection("webhook_deliveries");
  await webhooks.createIndex(INDEXES.webhooksDue.key, { name: INDEXES.webhooksDue.name });
  await webhooks.createIndex(INDEXES.webhooksExpiry.key, { name: INDEXES.webhooksExpiry.name, expireAfterSeconds: INDEXES.webhooksExpiry.expireAfterSeconds });
}

