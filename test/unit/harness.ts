// The whole service without sockets: the app's own routes and interceptors
// behind connect's createRouterTransport, on the memory store. What reaches a
// handler here is exactly what reaches it over HTTP (the same interceptors,
// the same JSON options), minus the transports.
import { createClient, createRouterTransport, type Client } from "@connectrpc/connect";
import { pino } from "pino";
import { RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import { ThreadsService } from "../../gen/agentruns/v1/threads_pb.js";
import { createApp, type App, type AppOptions } from "../../src/app.js";
import { defaultConfig, type Config } from "../../src/config.js";

export type ThreadsClient = Client<typeof ThreadsService>;
/** A RunsService client with the ThreadsService client of the same credentials beside it. */
export type RunsClient = Client<typeof RunsService> & { threads: ThreadsClient };

export interface UnitService {
  app: App;
  client: RunsClient;
  /** A client sending `authorization: Bearer <token>` (none: no credentials) and any extra `headers`. */
  as(token: string | null, headers?: Record<string, string>): RunsClient;
  close(): Promise<void>;
}

export async function unitService(overrides: Partial<Config> = {}, options: AppOptions = {}): Promise<UnitService> {
  const config = defaultConfig({ store: "memory", logLevel: "silent", drainMs: 100, ...overrides });
  const app = await createApp(config, { logger: pino({ level: "silent" }), ...options });
  const as = (token: string | null, headers: Record<string, string> = {}) => {
    const all = token ? { ...headers, authorization: `Bearer ${token}` } : headers;
    const transport = createRouterTransport(app.routes, {
      router: app.routerOptions,
      transport: { interceptors: [(next) => (req) => (Object.entries(all).forEach(([k, v]) => req.header.set(k, v)), next(req))] },
    });
    return Object.assign(createClient(RunsService, transport), { threads: createClient(ThreadsService, transport) });
  };
  return { app, client: as(null), as, close: () => app.close() };
}

export const userInput = (...texts: string[]) => ({ messages: texts.map((content) => ({ role: "user", content })) });

export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}
