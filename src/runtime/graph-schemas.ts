// A graph's JSON Schemas as the LangGraph Platform's GET /assistants/{id}/schemas
// answers them, derived the way langgraph-api derives them at run time:
// LangGraph.js's own utilities (@langchain/langgraph/zod/schema) read a zod or
// StateSchema state. State is the update schema (what a node or updateState may
// write), as langgraph-api answers it; context and config are the same schema,
// since LangGraph.js has one (`new StateGraph(state, { context })`).
//
// What LangGraph cannot type at run time is still named, never left out: a
// state declared with Annotation carries no value types (langgraph-api falls
// back to parsing the TypeScript source, which this service does not do), and
// a StateSchema field is typed only when its schema implements Standard JSON
// Schema (zod >= 4.2; not this project's zod 3.25 `zod/v4`). Such channels
// are properties with values of any type, listed in the schema's description.
// Config and context are null without a zod context schema.
import { getConfigTypeSchema, getInputTypeSchema, getOutputTypeSchema, getUpdateTypeSchema } from "@langchain/langgraph/zod/schema";

type JsonSchema = Record<string, unknown>;

export interface GraphSchemas {
  input: JsonSchema | null;
  output: JsonSchema | null;
  state: JsonSchema | null;
  config: JsonSchema | null;
}

interface BuilderChannels {
  _schemaDefinition?: Record<string, unknown>;
  _inputDefinition?: Record<string, unknown>;
  _outputDefinition?: Record<string, unknown>;
}

const UNTYPED = "Channels whose value types LangGraph cannot derive at run time (a state declared with Annotation, or a StateSchema field without Standard JSON Schema); any value is allowed: ";

/** `schema` with every channel of `channels` among its properties: one LangGraph could not type takes any value, and the description says which. */
function withEveryChannel(schema: JsonSchema | null, channels: Record<string, unknown> | undefined): JsonSchema | null {
  if (!channels) return schema;
  const properties = (schema?.["properties"] ?? {}) as Record<string, unknown>;
  const untyped = Object.keys(channels).filter((name) => !name.startsWith("__") && !(name in properties));
  if (schema && untyped.length === 0) return schema;
  return { ...(schema ?? { type: "object" }), description: `${UNTYPED}${untyped.join(", ")}.`, properties: { ...properties, ...Object.fromEntries(untyped.map((name) => [name, {}])) } };
}

/** LangGraph's utilities type their argument loosely; a compiled graph is what they read. */
type SchemaOf = (graph: never) => JsonSchema | undefined;
const typed = (get: SchemaOf, graph: unknown): JsonSchema | null => get(graph as never) ?? null;

export function graphSchemas(graph: unknown): GraphSchemas {
  const typedSchemas: GraphSchemas = {
    input: typed(getInputTypeSchema as SchemaOf, graph),
    output: typed(getOutputTypeSchema as SchemaOf, graph),
    state: typed(getUpdateTypeSchema as SchemaOf, graph),
    config: typed(getConfigTypeSchema as SchemaOf, graph),
  };
  const builder = (graph as { builder?: BuilderChannels }).builder;
  return {
    input: withEveryChannel(typedSchemas.input, builder?._inputDefinition),
    output: withEveryChannel(typedSchemas.output, builder?._outputDefinition),
    state: withEveryChannel(typedSchemas.state, builder?._schemaDefinition),
    config: typedSchemas.config,
  };
}
