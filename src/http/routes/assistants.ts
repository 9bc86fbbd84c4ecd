// The registered graphs as the Platform's read-only assistants: one assistant
// per graph, named by its id; its drawing and its JSON Schemas come from
// LangGraph itself through the runtime's GraphRegistry.
import type { HttpDeps } from "../deps.js";
import { HttpError } from "../errors.js";
import { route, type AnyRoute } from "../router.js";
import { jsonObject, z } from "../validation.js";

const tag = "assistants";
const assistantParams = z.strictObject({ assistant_id: z.string().min(1).max(128) });
const EPOCH = new Date(0).toISOString();

function assistantJson(assistantId: string) {
  return { assistant_id: assistantId, graph_id: assistantId, name: assistantId, config: {}, context: {}, metadata: {}, version: 1, created_at: EPOCH, updated_at: EPOCH, description: null };
}

const assistantSchema = z.object({ assistant_id: z.string(), graph_id: z.string(), name: z.string(), config: jsonObject, metadata: jsonObject, version: z.number() });
const searchBody = z.strictObject({
  graph_id: z.string().optional(),
  metadata: jsonObject.optional(),
  limit: z.number().int().min(1).max(1000).default(10),
  offset: z.number().int().min(0).default(0),
  sort_by: z.string().optional(),
  sort_order: z.enum(["asc", "desc"]).optional(),
  select: z.array(z.string()).optional(),
  name: z.string().optional(),
});
const jsonSchema = jsonObject.nullable();
const schemasSchema = z.object({ graph_id: z.string(), input_schema: jsonSchema, output_schema: jsonSchema, state_schema: jsonSchema, config_schema: jsonSchema, context_schema: jsonSchema });

export function assistantRoutes(deps: HttpDeps): AnyRoute[] {
  const known = (id: string) => {
    if (!deps.app.graphs.get(id)) throw new HttpError(404, `assistant "${id}" not found`);
    return assistantJson(id);
  };
  return [
    route({
      method: "post", path: "/assistants/search", tag, summary: "The registered graphs, as assistants", permission: "runs:read", body: searchBody, response: z.array(assistantSchema),
      handle: ({ body, c }) => {
        const ids = deps.app.graphs.ids().filter((id) => (body.graph_id === undefined || id === body.graph_id) && (body.name === undefined || id.includes(body.name)));
        return c.json(ids.slice(body.offset, body.offset + body.limit).map(assistantJson));
      },
    }),
    route({
      method: "get", path: "/assistants/:assistant_id/graph", tag, summary: "The graph's nodes and edges, as LangGraph draws them", permission: "runs:read",
      params: assistantParams, query: z.strictObject({ xray: z.enum(["true", "false", "1", "0"]).optional() }), response: z.object({ nodes: z.array(jsonObject), edges: z.array(jsonObject) }),
      async handle({ params, query, c }) {
        known(params.assistant_id);
        return c.json(await deps.app.graphs.drawing(params.assistant_id, query.xray === "true" || query.xray === "1"));
      },
    }),
    route({
      method: "get", path: "/assistants/:assistant_id/schemas", tag, permission: "runs:read", params: assistantParams, response: schemasSchema,
      summary: "The graph's input, output, state and config/context JSON Schemas (typed for zod or StateSchema states; channel names with values of any type for Annotation states)",
      handle({ params, c }) {
        known(params.assistant_id);
        const s = deps.app.graphs.schemas(params.assistant_id)!;
        return c.json({ graph_id: params.assistant_id, input_schema: s.input, output_schema: s.output, state_schema: s.state, config_schema: s.config, context_schema: s.config });
      },
    }),
    route({
      method: "get", path: "/assistants/:assistant_id", tag, summary: "One registered graph", permission: "runs:read", params: assistantParams, response: assistantSchema,
      handle: ({ params, c }) => c.json(known(params.assistant_id)),
    }),
  ];
}
