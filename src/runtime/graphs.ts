// Graphs registered by assistant_id. The config file follows langgraph.json:
//   { "graphs": { "my_agent": "./agents/my_agent.ts:graph" } }
// Each entry names a module and an export holding a compiled graph or an
// uncompiled StateGraph; either way the service attaches its own checkpointer.
import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { demoGraph } from "./demo-graph.js";
import { graphSchemas, type GraphSchemas } from "./graph-schemas.js";
import type { StreamableGraph } from "./graph-stream.js";
import { RunBases } from "./run-bases.js";

/** The part of a compiled LangGraph graph the runtime uses. */
export interface RunnableGraph extends StreamableGraph {
  checkpointer?: unknown;
  nodes: Record<string, unknown>;
  getState(config: { configurable: Record<string, unknown> }): Promise<{ values: unknown; config: { configurable?: Record<string, unknown> }; tasks?: unknown[] }>;
  updateState(config: { configurable: Record<string, unknown> }, values: unknown, asNode?: string): Promise<unknown>;
}

interface Compilable {
  compile(options: { checkpointer: BaseCheckpointSaver }): RunnableGraph;
}

export interface RegisteredGraph {
  assistantId: string;
  graph: RunnableGraph;
  /** Node names a client may name in interrupt_before / interrupt_after. */
  nodeNames: ReadonlySet<string>;
}

export class GraphRegistry {
  private readonly graphs = new Map<string, RegisteredGraph>();

  /** Each run's rollback base, noted from LangGraph's own load of the thread (run-bases.ts). */
  readonly bases = new RunBases();
  private readonly checkpointer: BaseCheckpointSaver;

  constructor(checkpointer: BaseCheckpointSaver) {
    this.checkpointer = this.bases.noting(checkpointer);
  }

  register(assistantId: string, graphOrBuilder: unknown): void {
    const graph = attach(graphOrBuilder, this.checkpointer, assistantId);
    const nodeNames = new Set(Object.keys(graph.nodes).filter((n) => !n.startsWith("__")));
    this.graphs.set(assistantId, { assistantId, graph, nodeNames });
  }

  get(assistantId: string): RegisteredGraph | undefined {
    return this.graphs.get(assistantId);
  }

  ids(): string[] {
    return [...this.graphs.keys()];
  }

  /** The graph's nodes and edges as LangGraph draws them (getGraphAsync().toJSON()); null for an unknown assistant. */
  async drawing(assistantId: string, xray: boolean): Promise<Record<string, unknown> | null> {
    const entry = this.graphs.get(assistantId);
    if (!entry) return null;
    const drawable = entry.graph as unknown as { getGraphAsync(config?: { xray?: boolean }): Promise<{ toJSON(): Record<string, unknown> }> };
    return (await drawable.getGraphAsync({ xray })).toJSON();
  }

  /** The graph's input, output, state and config JSON Schemas (graph-schemas.ts); null for an unknown assistant. */
  schemas(assistantId: string): GraphSchemas | null {
    const entry = this.graphs.get(assistantId);
    return entry ? graphSchemas(entry.graph) : null;
  }
}

function attach(value: unknown, checkpointer: BaseCheckpointSaver, assistantId: string): RunnableGraph {
  const candidate = value as Partial<Compilable & RunnableGraph> | null;
  if (candidate && typeof candidate._streamIterator === "function" && typeof candidate.getState === "function") {
    candidate.checkpointer = checkpointer;
    return candidate as RunnableGraph;
  }
  if (candidate && typeof candidate.compile === "function") return candidate.compile({ checkpointer });
  throw new Error(`graph "${assistantId}" is neither a compiled graph nor a StateGraph`);
}

export interface LoadGraphsOptions {
  /**
   * Registers the built-in `demo` assistant (default: yes). Listing graphs
   * leaves it on: a graphs file adds to it (and the bench relies on both).
   */
  demo?: boolean;
}

/** Builds the registry: the built-in demo (unless turned off) plus every graph of the config file. */
export async function loadGraphs(checkpointer: BaseCheckpointSaver, configPath: string | undefined, options: LoadGraphsOptions = {}): Promise<GraphRegistry> {
  const registry = new GraphRegistry(checkpointer);
  if (options.demo !== false) registry.register("demo", demoGraph);
  if (!configPath) return registry;
  const text = await readFile(configPath, "utf8");
  const config = JSON.parse(text) as { graphs?: Record<string, string> };
  for (const [assistantId, spec] of Object.entries(config.graphs ?? {})) {
    const [modulePath, exportName = "graph"] = splitSpec(spec);
    const absolute = isAbsolute(modulePath) ? modulePath : resolve(dirname(configPath), modulePath);
    const module = (await import(pathToFileURL(absolute).href)) as Record<string, unknown>;
    if (!(exportName in module)) throw new Error(`graphs.${assistantId}: ${absolute} has no export "${exportName}"`);
    registry.register(assistantId, module[exportName]);
  }
  return registry;
}

function splitSpec(spec: string): [string, string | undefined] {
  const colon = spec.lastIndexOf(":");
  return colon > 1 ? [spec.slice(0, colon), spec.slice(colon + 1)] : [spec, undefined];
}
