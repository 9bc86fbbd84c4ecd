// The Platform's probes and server info, the registered graphs as read-only
// assistants, and the OpenAPI document of everything served here.
import type { HttpDeps } from "../deps.js";
import { HttpError } from "../errors.js";
import { openApiDocument } from "../openapi.js";
import { route, type AnyRoute } from "../router.js";
import { jsonObject, z } from "../validation.js";

const VERSION = "1";
const assistantParams = z.strictObject({ assistant_id: z.string().min(1).max(128) });
const EPOCH = new Date(0).toISOString();

/** A registered graph as the Platform's Assistant: one assistant per graph, named by its id. */
function assistantJson(assistantId: string) {
  return { assistant_id: assistantId, graph_id: assistantId, name: assistantId, config: {}, context: {}, metadata: {}, version: 1, created_at: EPOCH, updated_at: EPOCH, description: null };
}

const assistantSchema = z.object({ assistant_id: z.string(), graph_id: z.string(), name: z.string(), config: jsonObject, metadata: jsonObject, version: z.number() });

export function systemRoutes(deps: HttpDeps, all: () => AnyRoute[]): AnyRoute[] {
  const known = (id: string) => {
    if (!deps.app.graphs.get(id)) throw new HttpError(404, `assistant "${id}" not found`);
    return assistantJson(id);
  };
  return [
    route({ method: "get", path: "/ok", tag: "system", summary: "Liveness", permission: null, handle: ({ c }) => c.json({ ok: true }) }),
    route({
      method: "get", path: "/info", tag: "system", summary: "Server info and feature flags", permission: null,
      handle: ({ c }) => c.json({ version: VERSION, server: "agent-runs", flags: { assistants: true, crons: false, langsmith: false } }),
    }),
    route({
      method: "get", path: "/openapi.json", tag: "system", summary: "This document", permission: null,
      handle: ({ c }) => c.json(openApiDocument(all(), VERSION)),
    }),
    route({
      method: "post", path: "/assistants/search", tag: "assistants", summary: "The registered graphs, as assistants", permission: "runs:read",
      body: z.strictObject({ graph_id: z.string().optional(), metadata: jsonObject.optional(), limit: z.number().int().min(1).max(1000).default(10), offset: z.number().int().min(0).default(0), sort_by: z.string().optional(), sort_order: z.enum(["asc", "desc"]).optional(), select: z.array(z.string()).optional(), name: z.string().optional() }),
      response: z.array(assistantSchema),
      handle: ({ body, c }) => {
        const ids = deps.app.graphs.ids().filter((id) => (body.graph_id === undefined || id === body.graph_id) && (body.name === undefined || id.includes(body.name)));
        return c.json(ids.slice(body.offset, body.offset + body.limit).map(assistantJson));
      },
    }),
    route({
      method: "get", path: "/assistants/:assistant_id/graph", tag: "assistants", summary: "The graph's nodes and edges, as LangGraph draws them", permission: "runs:read",
      params: assistantParams, query: z.strictObject({ xray: z.enum(["true", "false", "1", "0"]).optional() }), response: z.object({ nodes: z.array(jsonObject), edges: z.array(jsonObject) }),
      async handle({ params, query, c }) {
        known(params.assistant_id);
        return c.json(await deps.app.graphs.drawing(params.assistant_id, query.xray === "true" || query.xray === "1"));
      },
    }),
    route({
      method: "get", path: "/assistants/:assistant_id", tag: "assistants", summary: "One registered graph", permission: "runs:read", params: assistantParams, response: assistantSchema,
      handle: ({ params, c }) => c.json(known(params.assistant_id)),
    }),
  ];
}
