// Every query the MongoDB store hints names an index the store creates, and
// that index serves the query: its key starts with the fields the query
// filters and sorts on. Real MongoDB refuses a hint that names no index and
// mongo-java-server ignores hints, so without this test a wrong hint passes
// every other suite here and fails only in production. The queries are the
// store's own, captured from the driver's command monitoring.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { CommandStartedEvent, MongoClient } from "mongodb";
import { readFile } from "node:fs/promises";
import { INDEXES, openMongoStores } from "../src/stores/mongo/index.js";
import type { Stores } from "../src/stores/types.js";
import { newRun } from "./helpers/records.js";

interface Query {
  collection: string;
  hint: unknown;
  fields: string[];
}

/**
 * Query fields an index may leave to a scan of what its prefix selected, each
 * for a stated reason; any other query field the index does not serve fails.
 */
const RESIDUAL: Record<string, string[]> = {
  // hasMessage: a run has few messages; its (run_id, cat) prefix narrows to them. listEventsOfRuns: each
  // $or branch is a (run_id, cat, seq) range of the key itself (the fields inside are checked above).
  events_by_run: ["message_id", "$or"],
  // pageThreadMessages: cat is the partial index's filter (cat: "message"), which every row it holds matches.
  events_thread_messages: ["cat"],
  // listByRun: a run has at most one feedback per user, sorted in memory.
  feedback_run_user: ["created_at"],
  // ListRuns: the deleting flag and statuses filter the rows the user (and thread) prefix selects, in the order the
  // index keeps them; $or is the page position's tie-break on created_at and _id, the key itself.
  runs_by_user_created: ["deleting", "status", "$or"],
  runs_by_user_thread_created: ["deleting", "status", "$or"],
  // SearchThreads: the deleting flag, metadata and statuses filter the rows the user prefix selects, in the order the index keeps them;
  // $and holds the page position (on created_at, _id: the key itself) and the status alternatives.
  threads_by_user: ["deleting", "metadata_kv", "$and"],
};

const database = `indexes_${randomUUID().slice(0, 8)}`;
const queries = new Map<string, Query[]>();
let label = "";
const called: string[] = [];
let stores: Stores;
let client: MongoClient;

/** The fields a find, a findAndModify or a count (an aggregate with a leading $match) filters and sorts on. */
function queryOf(event: CommandStartedEvent): Query | null {
  const command = event.command as Record<string, unknown>;
  const match = (command["pipeline"] as Array<Record<string, unknown>> | undefined)?.[0]?.["$match"];
  const filter = (command["filter"] ?? command["query"] ?? match) as Record<string, unknown> | undefined;
  const collection = command["find"] ?? command["aggregate"] ?? command["findAndModify"];
  if (typeof collection !== "string" || !filter) return null;
  // The driver sends a sort as a Map, to keep the order of its keys.
  const sort = command["sort"] ?? {};
  const sortFields = sort instanceof Map ? [...sort.keys()].map(String) : Object.keys(sort);
  return { collection, hint: command["hint"], fields: [...new Set([...Object.keys(filter), ...sortFields])] };
}

/**
 * The URI with command monitoring on, which must be set before the pool opens
 * its connections. String edits, not URL: a MONGODB_URI may list several hosts.
 */
function monitored(uri: string): string {
  const [base = uri, options] = uri.split(/\?(.*)/s, 2);
  const withPath = /^[a-z+]+:\/\/[^/]+$/.test(base) ? `${base}/` : base;
  return `${withPath}?${options ? `${options}&` : ""}monitorCommands=true`;
}

beforeAll(async () => {
  ({ stores, client } = await openMongoStores({ uri: monitored(inject("mongodbUri")), database, timeoutMs: 5000 }));
  client.on("commandStarted", (event) => {
    const query = queryOf(event);
    if (label && query) queries.set(label, [...(queries.get(label) ?? []), query]);
  });
});
afterAll(() => stores?.close());

async function labelled<T>(name: string, call: () => Promise<T>): Promise<T> {
  label = name;
  called.push(name);
  try {
    return await call();
  } finally {
    label = "";
  }
}

async function runEveryHintedQuery(): Promise<void> {
  const run = newRun({ leaseUntil: new Date(0) });
  await stores.runs.insert(run);
  const now = new Date();
  await labelled("runs.listByThread", () => stores.runs.listByThread(run.threadId, ["pending"]));
  await labelled("runs.listByThread limit", () => stores.runs.listByThread(run.threadId, ["pending"], 1));
  await labelled("runs.listExpired", () => stores.runs.listExpired(now, 10));
  await labelled("runs.listPendingBefore", () => stores.runs.listPendingBefore(now, 10));
  const position = { createdAt: now, runId: run.runId };
  await labelled("runs.page", () => stores.runs.page({ userId: "u1", threadId: null, statuses: [], after: null, limit: 10 }));
  await labelled("runs.page after", () => stores.runs.page({ userId: "u1", threadId: null, statuses: ["success", "error"], after: position, limit: 10 }));
  await labelled("runs.page thread", () => stores.runs.page({ userId: "u1", threadId: run.threadId, statuses: [], after: null, limit: 10 }));
  await labelled("runs.page thread after", () => stores.runs.page({ userId: "u1", threadId: run.threadId, statuses: ["pending"], after: position, limit: 10 }));
  await labelled("runs.listDeleting", () => stores.runs.listDeleting(10));
  // Another writer's row: this store has not written to the thread, so it guesses it empty, hits that seq and reads the maximum (hinted).
  await client.db(database).collection("run_events").insertOne({ _id: `other-${run.runId}` as never, thread_id: run.threadId, seq: 1, run_id: "other", cat: "event", kind: "metadata", data: "{}", created_at: new Date() });
  await labelled("events.append", () => stores.events.append(run.threadId, run.runId, [{ kind: "message", data: { id: "m1", type: "human" } }]));
  await labelled("events.listRunEvents", () => stores.events.listRunEvents(run.runId, 0, 10));
  await labelled("events.listEventsOfRuns", () => stores.events.listEventsOfRuns([{ runId: run.runId, afterSeq: 0 }, { runId: "other", afterSeq: 3 }], 10));
  await labelled("events.pageMessages after", () => stores.events.pageMessages(run.runId, { limit: 10, afterSeq: 0 }));
  await labelled("events.pageMessages before", () => stores.events.pageMessages(run.runId, { limit: 10, beforeSeq: 100 }));
  await labelled("events.hasMessage", () => stores.events.hasMessage(run.runId, "m1"));
  await labelled("events.pageThreadMessages after", () => stores.events.pageThreadMessages(run.threadId, { limit: 10, afterSeq: 0 }));
  await labelled("events.pageThreadMessages before", () => stores.events.pageThreadMessages(run.threadId, { limit: 10, beforeSeq: 100 }));
  await labelled("runs.latestByThread", () => stores.runs.latestByThread(run.threadId));
  await labelled("feedback.listByRun", () => stores.feedback.listByRun(run.runId));
  await labelled("webhooks.claimDue", () => stores.webhooks.claimDue(now, "c", now));
  await labelled("webhooks.countPending", () => stores.webhooks.countPending(10));
  const after = { createdAt: now, threadId: run.threadId };
  await labelled("threads.page", () => stores.threads.page({ userId: "u1", metadata: {}, statuses: [], after: null, limit: 10 }));
  await labelled("threads.page filtered", () => stores.threads.page({ userId: "u1", metadata: { a: 1 }, statuses: ["busy", "idle"], after, limit: 10 }));
  const feedback = { feedbackId: randomUUID(), runId: run.runId, threadId: run.threadId, userId: "u", messageId: null, rating: 1 as const, comment: null, createdAt: now };
  await labelled("feedback.upsert", () => stores.feedback.upsert(feedback));
}

async function indexKeys(collection: string): Promise<Map<string, string[]>> {
  const indexes = await client.db(database).collection(collection).listIndexes().toArray();
  return new Map(indexes.map((index) => [String(index["name"]), Object.keys(index["key"] as object)]));
}

/** What is wrong with how `query` uses its hinted index, or null. */
function problemOf(query: Query, keys: Map<string, string[]>): string | null {
  if (typeof query.hint !== "string") return `names no index (hint ${JSON.stringify(query.hint)})`;
  const key = keys.get(query.hint);
  if (!key) return `hints ${query.hint}, which ${query.collection} does not have`;
  // The part of the key the query can use: its leading fields, up to the first the query does not name.
  const firstUnused = key.findIndex((field) => !query.fields.includes(field));
  const used = firstUnused === -1 ? key : key.slice(0, firstUnused);
  const unserved = query.fields.filter((field) => !used.includes(field) && !RESIDUAL[query.hint as string]?.includes(field));
  if (used.length === 0 || unserved.length > 0) return `hints ${query.hint} ${JSON.stringify(key)} for ${JSON.stringify(query.fields)}`;
  return null;
}

describe("MongoDB store indexes", () => {
  it("hints every query with an index the store created whose key serves the query's fields", async () => {
    await runEveryHintedQuery();
    // Each store method queried the database, or its query went unchecked.
    expect([...queries.keys()]).toEqual(called);
    const problems: string[] = [];
    for (const [name, issued] of queries) {
      for (const query of issued) {
        const problem = problemOf(query, await indexKeys(query.collection));
        if (problem) problems.push(`${name}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("are the ones the README's collection table lists", async () => {
    const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");
    const table = readme.slice(readme.indexOf("| collection | holds |"), readme.indexOf("Only what every deployment guarantees"));
    const listed = [...table.matchAll(/`([a-z_]+)` \(/g)].map((m) => m[1]);
    expect(listed.sort()).toEqual(Object.values(INDEXES).map((i) => i.name).sort());
  });
});
