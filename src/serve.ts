// The service on the embedded defaults unless told otherwise (src/main.ts loads this).
import { pino } from "pino";
import { startServer } from "./app.js";
import { loadConfig, USAGE } from "./config.js";
import { traceLogFields, tracingRequested } from "./runtime/tracing.js";

let config;
try {
  config = loadConfig();
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (config.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}

// Traces only when the environment asks (OTEL_EXPORTER_OTLP_ENDPOINT): otherwise the SDK is never loaded.
const telemetry = tracingRequested() ? (await import("./runtime/telemetry.js")).startTelemetry() : null;
const logger = pino({ level: config.logLevel, ...(telemetry && { mixin: traceLogFields }) });
const server = await startServer(config, { logger });
if (!server.app.authEnabled) {
  logger.warn(
    { user_id: "local", host: config.host },
    "NO AUTH CONFIGURED: every request runs as the single local user; set --auth-config before exposing this beyond localhost",
  );
}
logger.info(
  { url: server.url, store: config.store, assistants: server.app.application.graphs.ids(), replica_id: server.app.replicaId },
  `agent-runs listening on ${server.url}`,
);

let stopping = false;
/** Drains (runs get --drain-ms to finish, then are interrupted) and exits with `code`. */
function shutdown(reason: string, code: number): void {
  if (stopping) return;
  stopping = true;
  logger.info({ reason }, "draining");
  server.stop().then(
    // The spans of the drained runs go out before the process does.
    async () => {
      await telemetry?.shutdown();
      process.exit(code);
    },
    (error: unknown) => {
      logger.error({ err: error }, "shutdown failed");
      process.exit(1);
    },
  );
}
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => shutdown(signal, 0));

/** A thrown or rejected value as log fields, whatever it is (String() itself may throw). */
function described(value: unknown): Record<string, unknown> {
  if (value instanceof Error) return { err: value };
  try {
    return { reason: String(value) };
  } catch {
    return { reason: "a value that cannot be converted to text" };
  }
}

// A promise nobody awaited (a graph's node firing one off, say) rejected. The
// rejection reached no caller, so no run or request is left inconsistent by
// it: log it and keep serving, rather than let one tenant's graph end every
// tenant's runs (Node's default is to crash).
process.on("unhandledRejection", (reason) => {
  logger.error(described(reason), "unhandled promise rejection (a promise nobody awaited, e.g. in a graph); serving on");
});

// A synchronous throw that unwound to the event loop left whatever it
// interrupted half done, and Node cannot say what: resuming is unsafe. Log it,
// drain (runs get their grace and are recorded), exit non-zero for the
// supervisor to restart; a drain that hangs is cut short, and a second
// exception during the drain exits at once.
process.on("uncaughtException", (error, origin) => {
  logger.fatal({ ...described(error), origin }, "uncaught exception; draining, then exiting");
  if (stopping) process.exit(1);
  setTimeout(() => process.exit(1), config.drainMs + 10_000).unref();
  shutdown("uncaughtException", 1);
});
