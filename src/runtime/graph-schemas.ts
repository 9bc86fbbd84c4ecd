// A graph's JSON Schemas as the LangGraph Platform's GET /assistants/{id}/schemas
// answers them, derived the way langgraph-api derives them at run time:
// LangGraph.js's own utilities (@langchain/langgraph/zod/schema) read a zod or
// StateSchema state. State is the update schema (what a node or updateState may
// write), as langgraph-api answers it; context and config are the same schema,
// since LangGraph.js has one (`new StateGraph(state, { context })`).
//
// A state declared with Annotation carries no value types at run time
// (langgraph-api falls back to parsing the TypeScript source, which this
// service does not do): its schemas list the channel names with values of any
// type, and say so in their description. Config and context are null then.
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

const UNTYPED = "Channel names of a state declared with Annotation; their value types are not known at run time, so any value is allowed.";

/** An object schema with one property of any type per channel; null when there are no channels to name. */
function channelSchema(channels: Record<string, unknown> | undefined): JsonSchema | null {
  if (!channels) return null;
  const names = Object.keys(channels).filter((name) => !name.startsWith("__"));
  return { type: "object", description: UNTYPED, properties: Object.fromEntries(names.map((name) => [name, {}])) };
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
    input: typedSchemas.input ?? channelSchema(builder?._inputDefinition),
    output: typedSchemas.output ?? channelSchema(builder?._outputDefinition),
    state: typedSchemas.state ?? channelSchema(builder?._schemaDefinition),
    config: typedSchemas.config,
  };
}
