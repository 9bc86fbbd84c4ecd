// ListRunMessages on one thread filled with message rows, for a store ("memory" for `--only list`,
// "mongodb" inside sections/mongo.ts); reported in section 6.
import { fmt, type SeedResult, type StreamTimingResult } from "../lib.js";
import { log, QUICK, REPS, S } from "../harness/config.js";
import { R, timingOf } from "../harness/results.js";
import type { Server } from "../harness/server.js";
import type { Worker } from "../harness/worker.js";

/** Adds runs of `seedChunk` messages to the thread until it holds `count`; the last run's result. */
async function fillThread(worker: Worker, store: string, server: Server, thread: { id?: string; total: number }, count: number): Promise<SeedResult | null> {
  let runs = 0;
  let elapsedMs = 0;
  let messages = 0;
  let seed: SeedResult | null = null;
  while (thread.total < count) {
    const chunk = Math.min(S.mongo.seedChunk, count - thread.total);
    seed = await worker.run<SeedResult>({ kind: "seed-messages", url: server.url, count: chunk, threadId: thread.id }, 180_000);
    thread.id = seed.threadId;
    thread.total += chunk;
    messages += chunk;
    runs++;
    elapsedMs += seed.elapsedMs;
  }
  if (!seed) return null;
  ((R.mongo.seed[store] ??= {})[count] = { runs, messages, elapsedMs, last: seed });
  log(`   ${store}: thread now holds ${fmt(thread.total)} messages (+${fmt(messages)} in ${runs} run(s), ${fmt(elapsedMs)} ms, ${fmt((messages / elapsedMs) * 1000)} messages/s)`);
  return seed;
}

/** Pages the seeded run's messages: its last page and a page from its middle (after_seq). */
async function listPages(worker: Worker, store: string, server: Server, seed: SeedResult, count: number): Promise<void> {
  const last: StreamTimingResult[] = [];
  const middle: StreamTimingResult[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const maxMs = QUICK ? 1500 : 3000;
    last.push(await worker.run<StreamTimingResult>({ kind: "list-messages", url: server.url, runId: seed.runId, reps: S.mongo.listReps, maxMs }));
    middle.push(await worker.run<StreamTimingResult>({ kind: "list-messages", url: server.url, runId: seed.runId, reps: S.mongo.listReps, maxMs, afterSeq: Math.floor((seed.firstSeq + seed.lastSeq) / 2) }));
  }
  const cell = { lastPage: timingOf(last), middlePage: timingOf(middle) };
  ((R.mongo.list[store] ??= {})[count] = cell);
  log(`   ${store}: ListRunMessages at ${count}: last page p50 ${fmt(cell.lastPage.median.ttfeP50, 2)} ms, middle page (after_seq) p50 ${fmt(cell.middlePage.median.ttfeP50, 2)} ms${cell.lastPage.median.errors ? ` errors: ${cell.lastPage.median.firstError}` : ""}`);
}

/**
 * Fills one thread with message rows, in runs of `seedChunk` messages each (WaitRun of the echo
 * graph whose input carries the messages), up to each size of S.mongo.seed in turn; at each size,
 * pages the latest run's messages: its last page and a page from its middle (after_seq).
 */
export async function seedAndList(worker: Worker, store: string, server: Server): Promise<void> {
  const thread: { id?: string; total: number } = { total: 0 };
  for (const count of S.mongo.seed) {
    const seed = await fillThread(worker, store, server, thread, count);
    if (seed) await listPages(worker, store, server, seed, count);
  }
}
