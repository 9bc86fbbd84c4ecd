// Builds the whole service from a Config without listening, so tests and
// main.ts share one wiring (like connect-es examples' build()).
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { file_agentruns_v1_runs } from "../gen/agentruns/v1/runs_pb.js";
import { file_grpc_health_v1_health } from "../gen/grpc/health/v1/health_pb.js";
import { healthRoutes } from "./server/health.js";
import { reflectionRoutes } from "./server/reflection.js";
import { staticFiles } from "./server/static.js";
import { createMetrics, observeInterceptor } from "./server/observability.js";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { pino, type Logger } from "pino";
import { createAuthenticator, loadAuthConfig, type AuthConfig } from "./auth/authenticator.js";
import type { Config } from "./config.js";
import { EventBus } from "./runtime/event-bus.js";
import { loadGraphs, type GraphRegistry } from "./runtime/graphs.js";
import { RunRuntime } from "./runtime/runtime.js";
import { httpHandler } from "./server/http.js";
import { authInterceptor, errorInterceptor, type Authenticator } from "./server/interceptors.js";
import { listen, type Listening, type RequestHandler } from "./server/listen.js";
import type { ServiceDeps } from "./service/deps.js";
import { runsRoutes } from "./service/routes.js";
import { createMemoryStores } from "./stores/memory.js";
import { BoundedMemorySaver } from "./stores/memory-saver.js";
import type { Stores } from "./stores/types.js";

/** Where `npm run build:playground` puts the playground page. */
export const PLAYGROUND_DIR = fileURLToPath(new URL("../.cache/playground", import.meta.url));

export interface App {
  config: Config;
  authEnabled: boolean;
  logger: Logger;
  stores: Stores;
  graphs: GraphRegistry;
  runtime: RunRuntime;
  deps: ServiceDeps;
  handler: RequestHandler;
  replicaId: string;
  /** Stops taking runs and lets live ones finish (interrupted after `drainMs`). */
  drain(): Promise<void>;
  /** Drains runs, then closes the stores. */
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  /** Overrides config.authConfigFile. */
  auth?: AuthConfig | null;
}

async function createStores(config: Config, logger: Logger): Promise<{ stores: Stores; checkpointer: BaseCheckpointSaver }> {
  if (config.store === "mongodb") {
    const { createMongoStores } = await import("./stores/mongo/index.js");
    return createMongoStores(config, logger);
  }
  const checkpointer = new BoundedMemorySaver();
  const stores = createMemoryStores({
    maxRuns: config.memoryMaxRuns,
    onThreadEvicted: (threadId) => void checkpointer.deleteThread(threadId),
  });
  return { stores, checkpointer };
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const replicaId = randomUUID();
  const { stores, checkpointer } = await createStores(config, logger);
  const graphs = await loadGraphs(checkpointer, config.graphsFile ?? undefined);
  const runtime = new RunRuntime({
    stores,
    graphs,
    checkpointer,
    bus: new EventBus(),
    logger,
    replicaId,
    leaseMs: config.leaseMs,
    pollMinMs: 20,
    pollMaxMs: 500,
    maxActiveRunsPerUser: config.maxActiveRunsPerUser,
    storeRetryMs: 120_000,
  });
  const deps: ServiceDeps = { stores, graphs, runtime, heartbeatMs: config.heartbeatMs, streams: { open: 0 } };
  const authConfig = options.auth !== undefined ? options.auth : config.authConfigFile ? await loadAuthConfig(config.authConfigFile) : null;
  const authenticate: Authenticator = await createAuthenticator(authConfig);
  const ready = () => stores.ping().then(() => true, () => false);
  const metrics = createMetrics({ activeRuns: () => runtime.activeRunCount, openStreams: () => deps.streams.open });
  deps.eventsSent = metrics.eventsSent;
  const connect = connectNodeAdapter({
    routes: (router: ConnectRouter) => {
      runsRoutes(deps)(router);
      healthRoutes(ready)(router);
      reflectionRoutes([file_agentruns_v1_runs, file_grpc_health_v1_health])(router);
    },
    interceptors: [observeInterceptor(logger, metrics), errorInterceptor(logger), authInterceptor(authenticate)],
    readMaxBytes: config.readMaxBytes,
    // connect-es ignores unknown JSON fields and enum names by default; a typo must not silently change a run.
    jsonOptions: { ignoreUnknownFields: false },
  });
  const api = httpHandler(connect as RequestHandler, { corsOrigins: config.corsOrigins, ready, metrics: metrics.registry });
  const playground = staticFiles(PLAYGROUND_DIR);
  const handler: RequestHandler = (req, res) => {
    if (!playground(req, res)) api(req, res);
  };
  return {
    config,
    authEnabled: authConfig !== null,
    logger,
    stores,
    graphs,
    runtime,
    deps,
    handler,
    replicaId,
    drain: () => runtime.drain(config.drainMs),
    close: async () => {
      await runtime.drain(config.drainMs);
      await stores.close();
    },
  };
}

/** How long open streams get after the drain to deliver their last events. */
const STREAM_FLUSH_MS = 5_000;

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

export interface Server {
  app: App;
  listening: Listening;
  url: string;
  /** Graceful: stop accepting, drain runs, close streams, close stores. */
  stop(): Promise<void>;
}

export async function startServer(config: Config, options: AppOptions = {}): Promise<Server> {
  const app = await createApp(config, options);
  const listening = await listen(app.handler, config.host, config.port);
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  return {
    app,
    listening,
    url: `http://${host}:${listening.port}`,
    stop: async () => {
      const closed = listening.close();
      await app.drain();
      // Every run has written its `end` by now; give the streams carrying it time to deliver it and
      // close cleanly. Only a stream still tailing a run on another replica is cut at the bound.
      await Promise.race([closed, delay(STREAM_FLUSH_MS)]);
      listening.destroy();
      await closed;
      await app.close();
    },
  };
}
