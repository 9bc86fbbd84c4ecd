// The run's flags, paths and every size and duration, by mode. Parsed once, when first imported.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

export const BENCH = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const ROOT = dirname(BENCH);
export const SCRATCH = join(BENCH, ".out");
export const STARTED = Date.now();

const { values: argv } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "skip-anchors": { type: "boolean", default: false },
    reps: { type: "string" },
    out: { type: "string" },
    only: { type: "string" },
    "before-dir": { type: "string" },
    "after-dir": { type: "string" },
    rounds: { type: "string" },
    "startup-before": { type: "string" },
  },
  strict: true,
});
export const QUICK = argv.quick ?? false;
const ONLY = argv.only ? new Set(argv.only.split(",").map((x) => x.trim())) : null;
export const OUT = resolve(argv.out ?? (ONLY ? join(SCRATCH, "partial") : QUICK ? join(SCRATCH, "quick") : BENCH));
export const SKIP_ANCHORS = QUICK || (argv["skip-anchors"] ?? false) || (ONLY !== null && !ONLY.has("anchors"));
export const want = (key: string): boolean => ONLY === null || ONLY.has(key);
/** Asked for by name in --only (for sections too slow for a plain --quick). */
export const named = (key: string): boolean => ONLY !== null && ONLY.has(key);
export const REPS = argv.reps ? Math.max(1, Number(argv.reps)) : QUICK ? 1 : 3;
export const CONCURRENCY = [1, 16, 64];

/**
 * `--only compare`: two checkouts of agent-runs measured alternately in one run (sections/compare.ts).
 * "before" is a checkout (e.g. a `git worktree` of the older commit, with node_modules linked in);
 * "after" defaults to this repository.
 */
export const COMPARE_ONLY = ONLY !== null && ONLY.has("compare") && ONLY.size === 1;
export const BEFORE_DIR = argv["before-dir"] ? resolve(argv["before-dir"]) : null;
export const AFTER_DIR = resolve(argv["after-dir"] ?? ROOT);
/** `--startup-before <git ref>`: the start-up section also starts that commit's build (sections/startup.ts). */
export const STARTUP_BEFORE = argv["startup-before"] ?? null;
export const ROUNDS = argv.rounds ? Math.max(1, Number(argv.rounds)) : QUICK ? 1 : 5;

/** Every size and duration of the run, by mode. */
export const S = QUICK
  ? {
      wait: { warmupMs: 100, durationMs: 250 },
      echo: { warmupMs: 100, durationMs: 300, concurrency: [16] },
      invoke: { warmupMs: 100, durationMs: 500, concurrency: [16] },
      streamTiming: { reps: 20, warmup: 3 },
      burst: 10_000,
      paced: { count: 200, intervalMs: 1 },
      profile: null as null | { durationMs: number },
      idle: [100, 300],
      finished: { total: 400, chunk: 200, budgetMs: 20_000 },
      mongo: { wait: { warmupMs: 200, durationMs: 500 }, events: 2_000, seed: [1_000, 3_000], seedChunk: 1_000, listReps: 10 },
      anchors: null as null | { warmupMs: number; durationMs: Record<number, number>; streamReps: number },
      compare: { wait: { warmupMs: 300, durationMs: 1000 }, serial: { warmupMs: 300, durationMs: 1000 }, streamTiming: { reps: 20, warmup: 3 } },
      hardening: { events: 10_000, warmup: 0, cancelRuns: 3, fullRuns: 1, sigtermRuns: 1, sigtermIdle: false, watchers: [1, 100], watchMs: 250, mongo: false },
      hardeningBounds: {
        memory: { runs: 4, inputBytes: 1 << 20, boundsMiB: [32], budgetMs: 15_000 },
        turns: { turns: 15, probeEvery: 15, budgetMs: 15_000, unbounded: false },
        notFound: { requests: 20, block: 10, warmup: 5, inputBytes: 2_000_000 },
        fanOut: { joiners: 50, events: 20, budgetMs: 30_000 },
        enqueue: { count: 40, block: 10, warmup: 10, budgetMs: 20_000 },
      },
    }
  : {
      wait: { warmupMs: 1000, durationMs: 2500 },
      echo: { warmupMs: 500, durationMs: 1000, concurrency: CONCURRENCY },
      invoke: { warmupMs: 500, durationMs: 3000, concurrency: CONCURRENCY },
      streamTiming: { reps: 50, warmup: 5 },
      burst: 10_000,
      paced: { count: 1_000, intervalMs: 1 },
      profile: { durationMs: 6000 },
      idle: [1_000, 10_000],
      finished: { total: 100_000, chunk: 10_000, budgetMs: 300_000 },
      mongo: { wait: { warmupMs: 1000, durationMs: 2000 }, events: 10_000, seed: [10_000, 100_000], seedChunk: 10_000, listReps: 100 },
      anchors: { warmupMs: 1000, durationMs: { 1: 5000, 16: 4000, 64: 4000 } as Record<number, number>, streamReps: 6 },
      compare: { wait: { warmupMs: 1000, durationMs: 2500 }, serial: { warmupMs: 500, durationMs: 2500 }, streamTiming: { reps: 50, warmup: 5 } },
      /** Section 9 (issue 15): bursts of `events` custom events; Health watchers per window; mongo: the Watch windows again on MongoDB, counting pings. */
      hardening: { events: 10_000, warmup: 3, cancelRuns: 20, fullRuns: 5, sigtermRuns: 5, sigtermIdle: true, watchers: [0, 1, 1_000], watchMs: 10_000, mongo: true },
      /**
       * Section 9's bounds part (issue 15 items 4, 12, 13): WaitRuns of a ~1 MiB input at each byte bound; a
       * thread of `turns` turns (and once with the checkpoint bound out of reach); GetRun NOT_FOUND in
       * alternating blocks; JoinRuns at once on one finished run of `events` custom events; enqueues on one thread.
       * Each loop also has a time budget.
       */
      hardeningBounds: {
        memory: { runs: 30, inputBytes: 1 << 20, boundsMiB: [128, 64], budgetMs: 120_000 },
        turns: { turns: 200, probeEvery: 50, budgetMs: 180_000, unbounded: true },
        notFound: { requests: 200, block: 50, warmup: 100, inputBytes: 2_000_000 },
        fanOut: { joiners: 2_000, events: 100, budgetMs: 180_000 },
        enqueue: { count: 1_000, block: 100, warmup: 100, budgetMs: 100_000 },
      },
    };

/**
 * How long a fresh process runs WaitRun (or invoke) at 16 clients before anything is measured: on
 * this machine a fresh agent-runs server ramps from ~170 to ~550 runs/s over its first ~6 s while
 * V8 optimizes LangGraph's and the service's hot paths; measuring sooner measured the JIT.
 */
export const JIT_WARMUP_MS = QUICK ? 200 : 7000;

export function log(text: string): void {
  const t = ((Date.now() - STARTED) / 1000).toFixed(1).padStart(6);
  process.stdout.write(`[${t}s] ${text}\n`);
}
