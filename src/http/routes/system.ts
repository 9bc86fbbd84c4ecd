// The Platform's probes and server info, and the OpenAPI document of
// everything served here.
import { openApiDocument } from "../openapi.js";
import { route, type AnyRoute } from "../router.js";

const VERSION = "1";

export function systemRoutes(all: () => AnyRoute[]): AnyRoute[] {
  // The route table is fixed once the API is built: the document is generated on first request, once.
  let document: object | undefined;
  return [
    route({ method: "get", path: "/ok", tag: "system", summary: "Liveness", permission: null, handle: ({ c }) => c.json({ ok: true }) }),
    route({
      method: "get", path: "/info", tag: "system", summary: "Server info and feature flags", permission: null,
      handle: ({ c }) => c.json({ version: VERSION, server: "agent-runs", flags: { assistants: true, crons: false, langsmith: false } }),
    }),
    route({
      method: "get", path: "/openapi.json", tag: "system", summary: "The OpenAPI 3.1 document of these routes, generated from the route table", permission: null,
      handle: ({ c }) => c.json((document ??= openApiDocument(all(), VERSION))),
    }),
  ];
}
