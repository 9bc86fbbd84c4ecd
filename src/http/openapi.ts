// GET /openapi.json, generated from the route table (router.ts): every
// route's path, method, summary, permission, and its parameters, query and
// body as JSON Schema from the same zod schemas that decode requests.
import { z } from "zod/v4";
import type { AnyRoute } from "./router.js";

type Json = Record<string, unknown>;

const schemaOf = (type: z.ZodType): Json => {
  const { $schema: _, ...schema } = z.toJSONSchema(type, { io: "input", unrepresentable: "any" }) as Json;
  return schema;
};

/** /threads/:thread_id → /threads/{thread_id} */
const openApiPath = (path: string) => path.replace(/:([A-Za-z_]+)/g, "{$1}");

function parameters(spec: AnyRoute): Json[] {
  const out: Json[] = [];
  for (const [where, type] of [["path", spec.params], ["query", spec.query]] as const) {
    if (!type) continue;
    const schema = schemaOf(type) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      out.push({ name, in: where, required: where === "path" || (schema.required ?? []).includes(name), schema: property });
    }
  }
  return out;
}

function responses(spec: AnyRoute): Json {
  const errors = { description: "A refusal: `{\"detail\": \"<field>: <what is wrong>\"}` (401, 403, 404, 409, 422, 429, 503)", content: { "application/json": { schema: { type: "object", properties: { detail: { type: "string" } }, required: ["detail"] } } } };
  const ok =
    spec.produces === "sse"
      ? { description: "Server-sent events: `event: <mode>`, `data: <json>`, `id: <event id>`; metadata first, end last", content: { "text/event-stream": { schema: { type: "string" } } } }
      : spec.produces === "none"
        ? { description: "Done; no body" }
        : { description: "OK", content: { "application/json": { schema: spec.response ? schemaOf(spec.response) : {} } } };
  return { [spec.produces === "none" ? "204" : "200"]: ok, default: errors };
}

export function openApiDocument(routes: AnyRoute[], version: string): Json {
  const paths: Record<string, Json> = {};
  for (const spec of routes) {
    const operation: Json = {
      summary: spec.summary,
      tags: [spec.tag],
      parameters: parameters(spec),
      responses: responses(spec),
      ...(spec.permission && { security: [{ bearer: [] }, { apiKey: [] }], "x-permission": spec.permission }),
      ...(spec.body && { requestBody: { required: true, content: { "application/json": { schema: schemaOf(spec.body) } } } }),
    };
    (paths[openApiPath(spec.path)] ??= {})[spec.method] = operation;
  }
  return {
    openapi: "3.1.0",
    info: { title: "agent-runs HTTP API (LangGraph Platform and DeerFlow compatible)", version },
    paths,
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer" }, apiKey: { type: "apiKey", in: "header", name: "x-api-key" } },
    },
  };
}
