// The configuration table in src/config.ts is the only place a setting is
// written; these check that the README, USAGE and parsing agree with it.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configTable, defaultConfig, loadConfig, USAGE } from "../src/config.js";

const TABLE_HEADER = "| flag | env | default | meaning |";

/** The README's configuration table: its header line and every table line after it. */
function readmeTable(): string {
  const lines = readFileSync(new URL("../README.md", import.meta.url), "utf8").split("\n");
  const start = lines.indexOf(TABLE_HEADER);
  expect(start, "README.md has no configuration table").toBeGreaterThanOrEqual(0);
  const end = lines.findIndex((line, i) => i > start && !line.startsWith("|"));
  return lines.slice(start, end < 0 ? undefined : end).join("\n");
}

/** [flag, env] of every setting, read from the generated table's rows. */
function flagsAndEnvs(): [string, string][] {
  return configTable()
    .split("\n")
    .slice(2)
    .map((row) => {
      const [, flag, env] = row.split("|").map((cell) => cell.trim().replaceAll("`", ""));
      return [flag!, env!];
    });
}

describe("config", () => {
  it("README's configuration table is the one the settings produce", () => {
    expect(readmeTable()).toBe(configTable());
  });

  it("has one table row per Config field", () => {
    expect(flagsAndEnvs()).toHaveLength(Object.keys(defaultConfig()).length);
  });

  it("defaults are the values that used to be hard-coded, and the documented bounds", () => {
    expect(defaultConfig()).toEqual({
      host: "127.0.0.1",
      port: 8080,
      store: "memory",
      mongodbUri: null,
      mongodbDatabase: "agent_runs",
      graphsFile: null,
      heartbeatMs: 15_000,
      leaseMs: 10_000,
      storeTimeoutMs: 3_000,
      storeRetryMs: 120_000,
      pollMinMs: 20,
      pollMaxMs: 500,
      corsOrigins: [],
      logLevel: "info",
      readMaxBytes: 4 * 1024 * 1024,
      maxActiveRunsPerUser: 0,
      maxJoinersPerRun: 1_000,
      maxJoinersPerUser: 100,
      drainMs: 10_000,
      runTimeoutSeconds: 3_600,
      streamFlushMs: 5_000,
      authConfigFile: null,
      memoryMaxRuns: 10_000,
      memoryMaxBytes: 512 * 1024 * 1024,
      memoryMaxCheckpointsPerThread: 50,
      webhookSecret: null,
      webhookAllowPrivate: false,
      webhookMaxAttempts: 12,
      webhookTimeoutMs: 10_000,
      webhookBackoffMs: 1_000,
      webhookKeepFailedS: 7 * 86_400,
      demo: true,
      firstBytesTimeoutMs: 10_000,
      headersTimeoutMs: 30_000,
      requestTimeoutMs: 300_000,
      idleTimeoutMs: 300_000,
      pingIntervalMs: 60_000,
      pingTimeoutMs: 20_000,
    });
    expect(defaultConfig({ port: 0 }).port).toBe(0);
  });

  it("takes a flag over the environment, and the environment over the default", () => {
    const env = { PORT: "9000", HOST: "0.0.0.0", AGENT_RUNS_POLL_MIN_MS: "5", AGENT_RUNS_CORS_ORIGINS: "https://a.example, https://b.example" };
    const fromEnv = loadConfig([], env);
    expect(fromEnv).toMatchObject({ port: 9000, host: "0.0.0.0", pollMinMs: 5, corsOrigins: ["https://a.example", "https://b.example"] });
    const fromFlags = loadConfig(["--port", "9100", "--poll-min-ms=7", "--cors-origins", "*"], env);
    expect(fromFlags).toMatchObject({ port: 9100, host: "0.0.0.0", pollMinMs: 7, corsOrigins: ["*"] });
    expect(loadConfig([], {})).toMatchObject({ port: 8080, pollMinMs: 20, help: false });
    expect(loadConfig(["--help"], {}).help).toBe(true);
  });

  it("treats an empty value as not set", () => {
    expect(loadConfig([], { PORT: "", MONGODB_URI: "", LOG_LEVEL: "" })).toMatchObject({ port: 8080, mongodbUri: null, store: "memory", logLevel: "info" });
  });

  it("refuses invalid values, naming the flag", () => {
    expect(() => loadConfig(["--port", "x"], {})).toThrow('--port: expected an integer >= 0, got "x"');
    expect(() => loadConfig([], { PORT: "1.5" })).toThrow('--port: expected an integer >= 0, got "1.5" (from PORT)');
    expect(() => loadConfig(["--heartbeat-ms", "5"], {})).toThrow('--heartbeat-ms: expected an integer >= 10, got "5"');
    expect(() => loadConfig(["--memory-max-runs", "0"], {})).toThrow("--memory-max-runs: expected an integer >= 1");
    expect(() => loadConfig(["--store-retry-ms=-1"], {})).toThrow("--store-retry-ms: expected an integer >= 0");
    expect(() => loadConfig(["--log-level", "loud"], {})).toThrow(/^--log-level: expected fatal, .* or silent, got "loud"$/);
    expect(() => loadConfig(["--store", "sqlite"], {})).toThrow('--store: expected memory or mongodb, got "sqlite"');
    expect(() => loadConfig(["--no-such-flag"], {})).toThrow(/no-such-flag/);
  });

  it("keeps the poll ceiling at or above the floor", () => {
    expect(() => loadConfig(["--poll-max-ms", "10"], {})).toThrow("--poll-max-ms: expected an integer >= --poll-min-ms (20)");
    expect(loadConfig(["--poll-min-ms", "50", "--poll-max-ms", "50"], {})).toMatchObject({ pollMinMs: 50, pollMaxMs: 50 });
  });

  it("lists every flag and environment variable in USAGE", () => {
    for (const [flag, env] of flagsAndEnvs()) {
      expect(USAGE).toContain(`${flag} `);
      expect(USAGE).toContain(env);
    }
    expect(USAGE).toContain("--help");
  });

  it("picks mongodb when a URI is set, else memory", () => {
    const uri = "mongodb://127.0.0.1:27017";
    expect(loadConfig([], {}).store).toBe("memory");
    expect(loadConfig([], { MONGODB_URI: uri })).toMatchObject({ store: "mongodb", mongodbUri: uri });
    expect(loadConfig(["--mongodb-uri", uri], {}).store).toBe("mongodb");
    expect(loadConfig(["--store", "memory"], { MONGODB_URI: uri }).store).toBe("memory");
    expect(loadConfig([], { MONGODB_URI: uri, AGENT_RUNS_STORE: "memory" }).store).toBe("memory");
    expect(() => loadConfig(["--store", "mongodb"], {})).toThrow("--store mongodb needs --mongodb-uri or MONGODB_URI");
    expect(() => loadConfig([], { AGENT_RUNS_STORE: "mongodb" })).toThrow("--store mongodb needs --mongodb-uri or MONGODB_URI");
  });
});
