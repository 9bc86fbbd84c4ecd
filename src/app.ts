// Builds the whole service from a Config without listening, so tests and
// main.ts share one wiring (like connect-es examples' build()).
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import type { ConnectRouter, ConnectRouterOptions } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { toJsonString } from "@bufbuild/protobuf";
import { file_agentruns_v1_runs, RunSchema } from "../gen/agentruns/v1/runs_pb.js";
import { file_agentruns_v1_threads } from "../gen/agentruns/v1/threads_pb.js";
import { file_grpc_health_v1_health } from "../gen/grpc/health/v1/health_pb.js";
import { healthRoutes } from "./server/health.js";
import { reflectionRoutes } from "./server/reflection.js";
import { staticFiles } from "./server/static.js";
import { createMetrics, observeInterceptor, type Metrics } from "./server/observability.js";
import { pino, type Logger } from "pino";
import type { Registry } from "prom-client";
import { createApplication, type Application, type WebhookOptions } from "./application/index.js";
import { createAuthenticator, loadAuthConfig, type AuthConfig } from "./auth/authenticator.js";
import { createValidator } from "@bufbuild/protovalidate";
import { createHttpApi, type HttpApi } from "./http/index.js";
import type { Config } from "./config.js";
import { loadGraphs } from "./runtime/graphs.js";
import { httpHandler } from "./server/http.js";
import { authInterceptor, errorInterceptor } from "./server/interceptors.js";
import { validateInterceptor } from "./server/validate.js";
import { tracedHttpApi, tracingInterceptor } from "./server/tracing.js";
import { tracingOn } from "./runtime/tracing.js";
import { listen, type Listening, type RequestHandler } from "./server/listen.js";
import type { ServiceDeps } from "./service/deps.js";
import { runsRoutes } from "./service/routes.js";
import { runToProto } from "./service/convert.js";
import type { RunRecord } from "./domain/records.js";
import { threadsRoutes } from "./service/threads-routes.js";
import { openStores } from "./stores/open.js";
import type { Stores } from "./stores/types.js";

/**
 * The playground page: compiled (dist/src/app.js), the build's own copy in
 * dist/playground (`npm run build`); from source (src/app.ts under tsx), where
 * `npm run build:playground` puts it, .cache/playground.
 */
export const PLAYGROUND_DIR = fileURLToPath(new URL(import.meta.url.endsWith(".js") ? "../playground" : "../.cache/playground", import.meta.url));

export interface App {
  config: Config;
  authEnabled: boolean;
  logger: Logger;
  /** The use cases every adapter calls. */
  application: Application;
  /** For tests and tools that look at what was stored; no adapter uses it. */
  stores: Stores;
  /** Every service the server registers, and the options they run with: for connectNodeAdapter, or createRouterTransport in tests. */
  routes: (router: ConnectRouter) => void;
  routerOptions: ConnectRouterOptions;
  /** The LangGraph Platform and DeerFlow HTTP routes (src/http/), for tests and tools that read the route table. */
  httpApi: HttpApi;
  handler: RequestHandler;
  /** What /metrics serves: for tests that read a metric without a socket. */
  metrics: Registry;
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
  /** Name resolution for webhook deliveries (tests resolve names of their own); default node:dns. */
  webhookResolveAll?: WebhookOptions["resolveAll"];
}

/**
 * The webhook settings; the body is the run as GetRun shows it in JSON, made here where both the application and the wire format are in reach;
 * the deliverer's outcomes go to the metrics.
 */
function webhookOptions(config: Config, options: AppOptions, observer: Metrics["webhooks"]): WebhookOptions {
  const { webhookSecret: secret, webhookAllowPrivate: allowPrivate, webhookMaxAttempts: maxAttempts, webhookTimeoutMs: timeoutMs, webhookBackoffMs: backoffMs } = config;
  const runJson = (run: RunRecord) => toJsonString(RunSchema, runToProto(run));
  const keepFailedMs = config.webhookKeepFailedS * 1000;
  return { secret, allowPrivate, maxAttempts, timeoutMs, backoffMs, keepFailedMs, runJson, observer, ...(options.webhookResolveAll && { resolveAll: options.webhookResolveAll }) };
}

export async function createApp(config: Config, options: AppOptions = {}): Promise<App> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const replicaId = randomUUID();
  const { stores, checkpointer } = await openStores(config.store === "mongodb" ? { ...config, store: "mongodb" } : { ...config, store: "memory" }, logger);
  const graphs = await loadGraphs(checkpointer, config.graphsFile ?? undefined, { demo: config.demo });
  const { leaseMs, pollMinMs, pollMaxMs, maxActiveRunsPerUser, storeRetryMs, heartbeatMs, maxJoinersPerRun, maxJoinersPerUser, runTimeoutSeconds } = config;
  const runs = { replicaId, leaseMs, pollMinMs, pollMaxMs, maxActiveRunsPerUser, storeRetryMs, maxJoinersPerRun, maxJoinersPerUser, runTimeoutSeconds };
  // Before the application, whose webhook deliverer reports to it; the sources are read at scrape time.
  const metrics = createMetrics({ activeRuns: () => application.activeRunCount(), openStreams: () => deps.streams.open, webhooksPending: () => application.pendingWebhookCount() });
  const application = createApplication({ stores, graphs, checkpointer, logger, heartbeatMs, runs, webhooks: webhookOptions(config, options, metrics.webhooks) });
  const deps: ServiceDeps = { app: application, streams: { open: 0 } };
  const authConfig = options.auth !== undefined ? options.auth : config.authConfigFile ? await loadAuthConfig(config.authConfigFile) : null;
  const authenticate = await createAuthenticator(authConfig);
  const ready = () => stores.ping().then(() => true, () => false);
  deps.eventsSent = metrics.eventsSent;
  const routes = (router: ConnectRouter) => {
    runsRoutes(deps)(router);
    threadsRoutes(deps)(router);
    healthRoutes(ready)(router);
    reflectionRoutes([file_agentruns_v1_runs, file_agentruns_v1_threads, file_grpc_health_v1_health])(router);
  };
  // One validator for both adapters: protovalidate compiles and caches its rule plans per instance.
  const validator = createValidator();
  const routerOptions: ConnectRouterOptions = {
    // Outermost first: log and count, map errors, check access, then the contract's rules.
    // The span first (tracing on only), so the rpc log line and everything after it run inside it.
    interceptors: [...(tracingOn() ? [tracingInterceptor()] : []), observeInterceptor(logger, metrics), errorInterceptor(logger), authInterceptor(authenticate), validateInterceptor(validator)],
    readMaxBytes: config.readMaxBytes,
    // connect-es ignores unknown JSON fields and enum names by default; a typo must not silently change a run.
    jsonOptions: { ignoreUnknownFields: false },
  };
  const connect = connectNodeAdapter({ routes, ...routerOptions });
  const untracedApi = createHttpApi({ app: application, validator, eventsSent: metrics.eventsSent, authenticate, logger });
  const restApi = tracingOn() ? tracedHttpApi(untracedApi) : untracedApi;
  const api = httpHandler(connect as RequestHandler, { corsOrigins: config.corsOrigins, ready, metrics: metrics.registry, restApi });
  const playground = staticFiles(PLAYGROUND_DIR);
  const handler: RequestHandler = (req, res) => {
    if (!playground(req, res)) api(req, res);
  };
  return {
    config,
    authEnabled: authConfig !== null,
    logger,
    application,
    stores,
    routes,
    routerOptions,
    httpApi: restApi,
    handler,
    metrics: metrics.registry,
    replicaId,
    drain: () => application.drain(config.drainMs),
    close: async () => {
      await application.drain(config.drainMs);
      await stores.close();
    },
  };
}

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
  // The config carries the connection bounds (Config extends ListenOptions).
  const listening = await listen(app.handler, config.host, config.port, config);
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
      await Promise.race([closed, delay(config.streamFlushMs)]);
      listening.destroy();
      await closed;
      await app.close();
    },
  };
}
