// Settings from flags, then environment variables, then defaults. Every
// setting is listed in the README's config table.
import { parseArgs } from "node:util";

export interface Config {
  host: string;
  port: number;
  store: "memory" | "mongodb";
  mongodbUri: string | null;
  mongodbDatabase: string;
  /** A langgraph.json-style file naming extra graphs; the demo graph is always there. */
  graphsFile: string | null;
  heartbeatMs: number;
  leaseMs: number;
  /** Bound on each database operation before UNAVAILABLE. */
  storeTimeoutMs: number;
  corsOrigins: string[];
  logLevel: string;
  readMaxBytes: number;
  maxActiveRunsPerUser: number;
  /** How long SIGTERM lets live runs finish before interrupting them. */
  drainMs: number;
  /** JSON file with api_keys and/or jwt; none: a single local user. */
  authConfigFile: string | null;
  /** Memory store: finished runs kept before the oldest are evicted. */
  memoryMaxRuns: number;
}

const FLAGS = {
  host: { type: "string" },
  port: { type: "string" },
  store: { type: "string" },
  "mongodb-uri": { type: "string" },
  "mongodb-database": { type: "string" },
  graphs: { type: "string" },
  "heartbeat-ms": { type: "string" },
  "lease-ms": { type: "string" },
  "store-timeout-ms": { type: "string" },
  "cors-origins": { type: "string" },
  "log-level": { type: "string" },
  "read-max-bytes": { type: "string" },
  "max-active-runs-per-user": { type: "string" },
  "drain-ms": { type: "string" },
  "auth-config": { type: "string" },
  "memory-max-runs": { type: "string" },
  help: { type: "boolean" },
} as const;

export const USAGE = `agent-runs: gRPC / gRPC-Web / Connect runs API on LangGraph.js

  --host H                     HOST                      listen address (127.0.0.1)
  --port N                     PORT                      listen port (8080; 0 = any free port)
  --store memory|mongodb       AGENT_RUNS_STORE          store (mongodb when a URI is set, else memory)
  --mongodb-uri URI            MONGODB_URI               MongoDB connection string
  --mongodb-database NAME      MONGODB_DATABASE          database name (agent_runs)
  --graphs FILE                AGENT_RUNS_GRAPHS         langgraph.json-style graphs file
  --heartbeat-ms N             AGENT_RUNS_HEARTBEAT_MS   idle stream heartbeat (15000)
  --lease-ms N                 AGENT_RUNS_LEASE_MS       run ownership lease (10000)
  --store-timeout-ms N         AGENT_RUNS_STORE_TIMEOUT_MS  database bound before UNAVAILABLE (3000)
  --cors-origins A,B           AGENT_RUNS_CORS_ORIGINS   browser origins allowed ("*" for any; none by default)
  --log-level L                LOG_LEVEL                 pino level (info)
  --read-max-bytes N           AGENT_RUNS_READ_MAX_BYTES largest request accepted (4194304)
  --max-active-runs-per-user N AGENT_RUNS_MAX_ACTIVE_RUNS_PER_USER  0 = no limit (0)
  --drain-ms N                 AGENT_RUNS_DRAIN_MS       SIGTERM grace for live runs (10000)
  --auth-config FILE           AGENT_RUNS_AUTH_CONFIG    API keys and JWT settings (none: single local user)
  --memory-max-runs N          AGENT_RUNS_MEMORY_MAX_RUNS  memory store: runs kept; oldest finished evicted (10000)
`;

function int(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name}: expected an integer >= ${min}, got "${value}"`);
  return n;
}

export function loadConfig(argv: string[] = process.argv.slice(2), env: NodeJS.ProcessEnv = process.env): Config & { help: boolean } {
  const { values } = parseArgs({ args: argv, options: FLAGS, strict: true, allowPositionals: false });
  const mongodbUri = values["mongodb-uri"] ?? env["MONGODB_URI"] ?? null;
  const store = values.store ?? env["AGENT_RUNS_STORE"] ?? (mongodbUri ? "mongodb" : "memory");
  if (store !== "memory" && store !== "mongodb") throw new Error(`--store: expected memory or mongodb, got "${store}"`);
  if (store === "mongodb" && !mongodbUri) throw new Error("--store mongodb needs --mongodb-uri or MONGODB_URI");
  const origins = values["cors-origins"] ?? env["AGENT_RUNS_CORS_ORIGINS"] ?? "";
  return {
    help: values.help ?? false,
    host: values.host ?? env["HOST"] ?? "127.0.0.1",
    port: int("--port", values.port ?? env["PORT"], 8080),
    store,
    mongodbUri,
    mongodbDatabase: values["mongodb-database"] ?? env["MONGODB_DATABASE"] ?? "agent_runs",
    graphsFile: values.graphs ?? env["AGENT_RUNS_GRAPHS"] ?? null,
    heartbeatMs: int("--heartbeat-ms", values["heartbeat-ms"] ?? env["AGENT_RUNS_HEARTBEAT_MS"], 15_000, 10),
    leaseMs: int("--lease-ms", values["lease-ms"] ?? env["AGENT_RUNS_LEASE_MS"], 10_000, 100),
    storeTimeoutMs: int("--store-timeout-ms", values["store-timeout-ms"] ?? env["AGENT_RUNS_STORE_TIMEOUT_MS"], 3_000, 100),
    corsOrigins: origins.split(",").map((o) => o.trim()).filter(Boolean),
    logLevel: values["log-level"] ?? env["LOG_LEVEL"] ?? "info",
    readMaxBytes: int("--read-max-bytes", values["read-max-bytes"] ?? env["AGENT_RUNS_READ_MAX_BYTES"], 4 * 1024 * 1024, 1024),
    maxActiveRunsPerUser: int("--max-active-runs-per-user", values["max-active-runs-per-user"] ?? env["AGENT_RUNS_MAX_ACTIVE_RUNS_PER_USER"], 0),
    drainMs: int("--drain-ms", values["drain-ms"] ?? env["AGENT_RUNS_DRAIN_MS"], 10_000),
    authConfigFile: values["auth-config"] ?? env["AGENT_RUNS_AUTH_CONFIG"] ?? null,
    memoryMaxRuns: int("--memory-max-runs", values["memory-max-runs"] ?? env["AGENT_RUNS_MEMORY_MAX_RUNS"], 10_000, 1),
  };
}

export function defaultConfig(overrides: Partial<Config> = {}): Config {
  const { help: _help, ...config } = loadConfig([], {});
  return { ...config, ...overrides };
}
