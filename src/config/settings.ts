// The settings, each declared once: flag, environment variable, schema,
// default and meaning. src/config.ts derives the parser, USAGE and the
// README's configuration table from this table.
import { z } from "zod";
import { LISTEN_DEFAULTS, type ListenOptions } from "../server/listen.js";

/** What each field means is its SETTINGS description; the connection bounds are ListenOptions' (src/server/listen.ts). */
export interface Config extends ListenOptions {
  host: string;
  port: number;
  store: "memory" | "mongodb";
  mongodbUri: string | null;
  mongodbDatabase: string;
  graphsFile: string | null;
  demo: boolean;
  heartbeatMs: number;
  leaseMs: number;
  storeTimeoutMs: number;
  storeRetryMs: number;
  pollMinMs: number;
  pollMaxMs: number;
  corsOrigins: string[];
  logLevel: string;
  readMaxBytes: number;
  maxActiveRunsPerUser: number;
  maxJoinersPerRun: number; maxJoinersPerUser: number;
  drainMs: number;
  runTimeoutSeconds: number;
  streamFlushMs: number;
  authConfigFile: string | null;
  memoryMaxRuns: number;
  memoryMaxBytes: number; memoryMaxCheckpointsPerThread: number;
  webhookSecret: string | null; webhookAllowPrivate: boolean; webhookMaxAttempts: number; webhookTimeoutMs: number; webhookBackoffMs: number; webhookKeepFailedS: number;
}

export interface Setting<T> {
  /** Without the leading "--". */
  flag: string;
  /** A switch: `--flag` / `--no-flag` on the command line (no value), `true` / `false` in the environment. */
  switch?: true;
  /** The value's placeholder in USAGE. */
  arg: string;
  env: string;
  /** Turns the (non-empty) string from a flag or the environment into the value. */
  schema: z.ZodType<T, z.ZodTypeDef, unknown>;
  /** A function when the default depends on other settings (given with their final values). */
  default: T | ((config: Config) => T);
  /** Markdown shown instead of the default value where the value alone would mislead. */
  defaultText?: string;
  /** One line of markdown: the README's "meaning" column, and USAGE without the markup. */
  description: string;
}

/** `Number()` semantics as before ("1e3" is 1000); `min` is the smallest value that works. */
function integer(min: number): z.ZodType<number, z.ZodTypeDef, unknown> {
  const message = `expected an integer >= ${min}`;
  return z.coerce.number({ invalid_type_error: message }).int(message).min(min, message);
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  const expected = values.length === 1 ? values[0] : `${values.slice(0, -1).join(", ")} or ${values.at(-1)}`;
  return z.enum(values, { errorMap: () => ({ message: `expected ${expected}` }) });
}

/** A connection bound in ms, 0 turning it off; its default lives beside the code it bounds (listen() without options gets it too). */
const bound = (key: keyof ListenOptions, flag: string, env: string, description: string): Setting<number> =>
  ({ flag, arg: "N", env, schema: integer(0), default: LISTEN_DEFAULTS[key], description: `${description} (0: off)` });

const text = z.string();
const onOff = oneOf(["true", "false"]).transform((value) => value === "true");
const commaList = z.string().transform((list) => list.split(",").map((item) => item.trim()).filter(Boolean));
const PINO_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** In the order USAGE and the README list them. */
export const SETTINGS: { [K in keyof Config]: Setting<Config[K]> } = {
  host: { flag: "host", arg: "H", env: "HOST", schema: text, default: "127.0.0.1", description: "listen address" },
  port: { flag: "port", arg: "N", env: "PORT", schema: integer(0), default: 8080, description: "listen port (0: any free port)" },
  store: {
    flag: "store", arg: "memory|mongodb", env: "AGENT_RUNS_STORE", schema: oneOf(["memory", "mongodb"]),
    default: (config) => (config.mongodbUri ? "mongodb" : "memory"),
    defaultText: "`mongodb` if a URI is set, else `memory`",
    description: "where runs, events, messages and feedback are kept",
  },
  mongodbUri: { flag: "mongodb-uri", arg: "URI", env: "MONGODB_URI", schema: text, default: null, description: "MongoDB connection string" },
  mongodbDatabase: { flag: "mongodb-database", arg: "NAME", env: "MONGODB_DATABASE", schema: text, default: "agent_runs", description: "database name" },
  graphsFile: {
    flag: "graphs", arg: "FILE", env: "AGENT_RUNS_GRAPHS", schema: text, default: null,
    description: "langgraph.json-style graphs file; its graphs come beside `demo` (one it names `demo` replaces it)",
  },
  demo: {
    flag: "demo", arg: "", env: "AGENT_RUNS_DEMO", schema: onOff, default: true, switch: true,
    description: "register the built-in `demo` assistant; `--no-demo` or `AGENT_RUNS_DEMO=false` leaves it out",
  },
  heartbeatMs: { flag: "heartbeat-ms", arg: "N", env: "AGENT_RUNS_HEARTBEAT_MS", schema: integer(10), default: 15_000, description: "idle time before a stream heartbeat" },
  leaseMs: { flag: "lease-ms", arg: "N", env: "AGENT_RUNS_LEASE_MS", schema: integer(100), default: 10_000, description: "how long a replica's claim on a run lasts unrenewed" },
  storeTimeoutMs: {
    flag: "store-timeout-ms", arg: "N", env: "AGENT_RUNS_STORE_TIMEOUT_MS", schema: integer(100), default: 3_000,
    description: "bound on a database call before `UNAVAILABLE`",
  },
  storeRetryMs: {
    flag: "store-retry-ms", arg: "N", env: "AGENT_RUNS_STORE_RETRY_MS", schema: integer(0), default: 120_000,
    description: "how long a run rides out a database outage (retrying `UNAVAILABLE` calls) before it fails",
  },
  pollMinMs: {
    flag: "poll-min-ms", arg: "N", env: "AGENT_RUNS_POLL_MIN_MS", schema: integer(1), default: 20,
    description: "first interval when polling the database for a run on another replica; doubles while idle",
  },
  pollMaxMs: {
    flag: "poll-max-ms", arg: "N", env: "AGENT_RUNS_POLL_MAX_MS", schema: integer(1), default: 500,
    description: "longest interval between those polls (at least `--poll-min-ms`)",
  },
  corsOrigins: {
    flag: "cors-origins", arg: "A,B", env: "AGENT_RUNS_CORS_ORIGINS", schema: commaList, default: [],
    description: "browser origins allowed, comma-separated, or `*`",
  },
  logLevel: { flag: "log-level", arg: "L", env: "LOG_LEVEL", schema: oneOf(PINO_LEVELS), default: "info", description: "pino log level" },
  readMaxBytes: {
    flag: "read-max-bytes", arg: "N", env: "AGENT_RUNS_READ_MAX_BYTES", schema: integer(1024), default: 4 * 1024 * 1024,
    description: "largest request accepted",
  },
  maxActiveRunsPerUser: {
    flag: "max-active-runs-per-user", arg: "N", env: "AGENT_RUNS_MAX_ACTIVE_RUNS_PER_USER", schema: integer(0), default: 0,
    defaultText: "`0`: no limit",
    description: "beyond it: `RESOURCE_EXHAUSTED`",
  },
  // 1,000 per run: a shared audience (one feed per run serves them all); 100 per user: more than any UI opens, fewer than a loop.
  maxJoinersPerRun: { flag: "max-joiners-per-run", arg: "N", env: "AGENT_RUNS_MAX_JOINERS_PER_RUN", schema: integer(1), default: 1_000, description: "`JoinRun` streams open on one run, per replica; beyond: `RESOURCE_EXHAUSTED`" },
  maxJoinersPerUser: { flag: "max-joiners-per-user", arg: "N", env: "AGENT_RUNS_MAX_JOINERS_PER_USER", schema: integer(1), default: 100, description: "`JoinRun` streams a user has open, per replica; beyond: `RESOURCE_EXHAUSTED`" },
  drainMs: { flag: "drain-ms", arg: "N", env: "AGENT_RUNS_DRAIN_MS", schema: integer(0), default: 10_000, description: "on SIGTERM, how long live runs get to reach a step boundary and be handed over (MongoDB) or to finish (memory) before they are interrupted" },
  runTimeoutSeconds: {
    flag: "run-timeout-s", arg: "N", env: "AGENT_RUNS_RUN_TIMEOUT_S", schema: integer(1), default: 3_600,
    description: "a run's time limit when its request gives no `timeout_seconds`; past it the run ends `RUN_STATUS_TIMEOUT`",
  },
  streamFlushMs: {
    flag: "stream-flush-ms", arg: "N", env: "AGENT_RUNS_STREAM_FLUSH_MS", schema: integer(0), default: 5_000,
    description: "after the drain, how long open streams get to deliver their last events before connections are closed",
  },
  authConfigFile: {
    flag: "auth-config", arg: "FILE", env: "AGENT_RUNS_AUTH_CONFIG", schema: text, default: null,
    defaultText: "none: single local user",
    description: "API keys and JWT (see [docs/security-and-operations.md](docs/security-and-operations.md))",
  },
  memoryMaxRuns: { flag: "memory-max-runs", arg: "N", env: "AGENT_RUNS_MEMORY_MAX_RUNS", schema: integer(1), default: 10_000,
    description: "memory store: runs kept; the oldest finished are evicted; active runs never are (past the bound: RESOURCE_EXHAUSTED)" },
  // 512 MiB: a quarter of the heap Node 24 gives itself on a 4 GiB+ host (2 GiB old space), leaving room for the copies a run's events cost in flight.
  memoryMaxBytes: { flag: "memory-max-bytes", arg: "N", env: "AGENT_RUNS_MEMORY_MAX_BYTES", schema: integer(1 << 20), default: 512 << 20, defaultText: "`536870912` (512 MiB)",
    description: "memory store: bytes kept (runs' records, events and messages by JSON length, and checkpoints); the oldest finished runs are evicted; while active runs alone hold it, new runs get RESOURCE_EXHAUSTED" },
  // 50: twice the checkpoints of a run at LangGraph's default recursion limit (25 steps, 26 checkpoints), so a run's rollback base is always kept.
  memoryMaxCheckpointsPerThread: { flag: "memory-max-checkpoints-per-thread", arg: "N", env: "AGENT_RUNS_MEMORY_MAX_CHECKPOINTS_PER_THREAD", schema: integer(2), default: 50,
    description: "memory store: checkpoints a thread keeps (per namespace), the latest always; older ones are dropped, so a thread's history reaches back this far" },
  webhookSecret: { flag: "webhook-secret", arg: "S", env: "AGENT_RUNS_WEBHOOK_SECRET", schema: text, default: null,
    defaultText: "none: runs asking for `webhook` get `FAILED_PRECONDITION`",
    description: "the HMAC-SHA256 key webhooks are signed with (`x-agent-runs-signature`); prefer the environment variable (a flag shows in `ps`)" },
  webhookAllowPrivate: { flag: "webhook-allow-private", arg: "", env: "AGENT_RUNS_WEBHOOK_ALLOW_PRIVATE", schema: onOff, default: false, switch: true,
    description: "let webhooks reach loopback, private, link-local and other non-public addresses (refused by default, by URL and by what names resolve to)" },
  // 12 attempts, retries from 1 s doubling to the 10-minute cap, jittered: 14 to 27 minutes of a receiver being down.
  webhookMaxAttempts: { flag: "webhook-max-attempts", arg: "N", env: "AGENT_RUNS_WEBHOOK_MAX_ATTEMPTS", schema: integer(1), default: 12,
    description: "POSTs per webhook, the first included; then it is marked failed, logged and kept for `--webhook-keep-failed-s`" },
  webhookTimeoutMs: { flag: "webhook-timeout-ms", arg: "N", env: "AGENT_RUNS_WEBHOOK_TIMEOUT_MS", schema: integer(100), default: 10_000,
    description: "bound on each webhook POST (connect to the end of the answer); past it the attempt failed" },
  webhookBackoffMs: { flag: "webhook-backoff-ms", arg: "N", env: "AGENT_RUNS_WEBHOOK_BACKOFF_MS", schema: integer(1), default: 1_000,
    description: "delay before a webhook's first retry; doubles with each retry up to 10 minutes, times a random 0.5..1" },
  // 7 days: a weekend's outage of the receiver is still there to look at on Monday.
  webhookKeepFailedS: { flag: "webhook-keep-failed-s", arg: "N", env: "AGENT_RUNS_WEBHOOK_KEEP_FAILED_S", schema: integer(1), default: 7 * 86_400, defaultText: "`604800` (7 days)",
    description: "how long a webhook delivery that failed for good (attempts used up, or refused) is kept in the store, then deleted (MongoDB: a TTL index, within a minute or so)" },
  firstBytesTimeoutMs: bound("firstBytesTimeoutMs", "first-bytes-timeout-ms", "AGENT_RUNS_FIRST_BYTES_TIMEOUT_MS",
    "a new connection that has not sent enough to tell HTTP/2 from HTTP/1.1 by then is closed"),
  headersTimeoutMs: bound("headersTimeoutMs", "headers-timeout-ms", "AGENT_RUNS_HEADERS_TIMEOUT_MS",
    "HTTP/1.1: a request's headers must arrive within this (and `--request-timeout-ms`), else `408` and the connection is closed"),
  requestTimeoutMs: bound("requestTimeoutMs", "request-timeout-ms", "AGENT_RUNS_REQUEST_TIMEOUT_MS",
    "HTTP/1.1: the whole request, body included, must arrive within this, else `408` and the connection is closed; the response may take longer"),
  idleTimeoutMs: bound("idleTimeoutMs", "idle-timeout-ms", "AGENT_RUNS_IDLE_TIMEOUT_MS",
    "an HTTP/1.1 connection between requests, or an HTTP/2 one with no open stream, is closed after this (HTTP/2: GOAWAY); an open stream is never idle"),
  pingIntervalMs: bound("pingIntervalMs", "ping-interval-ms", "AGENT_RUNS_PING_INTERVAL_MS",
    "HTTP/2: how often each connection is sent a PING"),
  pingTimeoutMs: bound("pingTimeoutMs", "ping-timeout-ms", "AGENT_RUNS_PING_TIMEOUT_MS",
    "HTTP/2: a PING unanswered by then closes the connection and its streams: the peer is gone"),
};

/** Rules between settings, checked after every value is known; each returns an error message or null. */
export const CROSS_CHECKS: ((config: Config) => string | null)[] = [
  (config) => (config.store === "mongodb" && !config.mongodbUri ? "--store mongodb needs --mongodb-uri or MONGODB_URI" : null),
  (config) => (config.pollMaxMs < config.pollMinMs ? `--poll-max-ms: expected an integer >= --poll-min-ms (${config.pollMinMs}), got "${config.pollMaxMs}"` : null),
];

