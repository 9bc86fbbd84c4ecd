// The HTTP APIs on the RPCs' port: the LangGraph Platform's REST + SSE API
// (what @langchain/langgraph-sdk, langgraph-sdk and useStream call) and
// DeerFlow's gateway runs routes. One more adapter over the application's use
// cases, routed by Hono; the transports hand it every request whose path is
// one of its prefixes (the RPC paths, /agentruns.v1.*, never are).
import { getRequestListener } from "@hono/node-server";
import { Hono } from "hono";
import type { Logger } from "pino";
import type { Authenticator } from "../auth/caller.js";
import type { HttpDeps } from "./deps.js";
import { HttpError } from "./errors.js";
import { failureResponse, register, type AnyRoute } from "./router.js";
import { assistantRoutes } from "./routes/assistants.js";
import { deerflowRoutes } from "./routes/deerflow.js";
import { runCreateRoutes } from "./routes/run-create.js";
import { runManageRoutes } from "./routes/run-manage.js";
import { systemRoutes } from "./routes/system.js";
import { threadStateRoutes } from "./routes/thread-state.js";
import { threadRoutes } from "./routes/threads.js";

export type { HttpDeps } from "./deps.js";

const PREFIXES = ["/threads", "/runs", "/assistants", "/api/", "/ok", "/info", "/openapi.json"];

export interface HttpApi {
  /** Whether `path` (without its query) belongs to these APIs. */
  handles(path: string): boolean;
  handler: ReturnType<typeof getRequestListener>;
  routes: AnyRoute[];
}

export function createHttpApi(deps: HttpDeps & { authenticate: Authenticator; logger: Logger }): HttpApi {
  const routes: AnyRoute[] = [];
  routes.push(...systemRoutes(() => routes), ...assistantRoutes(deps), ...threadRoutes(deps), ...threadStateRoutes(deps), ...runCreateRoutes(deps), ...runManageRoutes(deps), ...deerflowRoutes(deps));
  const app = new Hono();
  register(app, deps, routes);
  app.notFound((c) => failureResponse(deps, c, new HttpError(404, `no route ${c.req.method} ${c.req.path}`)));
  app.onError((error, c) => failureResponse(deps, c, error));
  return {
    handles: (path) => PREFIXES.some((p) => path === p || path.startsWith(p.endsWith("/") ? p : `${p}/`)),
    handler: getRequestListener(app.fetch),
    routes,
  };
}
