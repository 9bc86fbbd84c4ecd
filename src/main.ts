// `npm start`: the service on the embedded defaults unless told otherwise.
import { pino } from "pino";
import { startServer } from "./app.js";
import { loadConfig, USAGE } from "./config.js";

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

const logger = pino({ level: config.logLevel });
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
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "draining");
    server.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  });
}
