// A thread's checkpointed state through its graph: LangGraph's getState,
// updateState and getStateHistory on the compiled graph (which carries the
// service's checkpointer), turned into plain JSON records. Only the root
// namespace: subgraphs' checkpoints are their parents' business.
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { CheckpointNotFoundError, InvalidArgumentError } from "../domain/errors.js";
import { isJsonObject, type JsonObject } from "../domain/records.js";
import type { HistoryQuery, ThreadStateRecord, ThreadTaskRecord } from "../domain/thread-state.js";
import { emptyThreadState } from "../domain/thread-state.js";
import type { RunnableGraph } from "./graphs.js";
import { toJson } from "./json.js";

interface Configurable {
  configurable?: Record<string, unknown>;
}

/** What LangGraph's StateSnapshot holds, as far as the service reads it. */
interface Snapshot {
  values: unknown;
  next: string[];
  tasks: Array<{ id: string; name: string; error?: unknown; interrupts?: Array<{ id?: string; value?: unknown }> }>;
  config: Configurable;
  parentConfig?: Configurable;
  metadata?: unknown;
  createdAt?: string;
}

/** The state methods every compiled LangGraph graph has (RunnableGraph names only what runs use). */
interface StatefulGraph {
  checkpointer?: unknown;
  nodes: Record<string, unknown>;
  getState(config: Configurable): Promise<Snapshot>;
  updateState(config: Configurable, values: unknown, asNode?: string): Promise<Configurable>;
  getStateHistory(config: Configurable, options?: Record<string, unknown>): AsyncIterableIterator<Snapshot>;
}

const stateful = (graph: RunnableGraph) => graph as unknown as StatefulGraph;

function rootConfig(threadId: string, checkpointId?: string | null): Configurable {
  return { configurable: { thread_id: threadId, checkpoint_ns: "", ...(checkpointId ? { checkpoint_id: checkpointId } : {}) } };
}

const idOf = (config: Configurable | undefined): string | null => {
  const id = config?.configurable?.["checkpoint_id"];
  return typeof id === "string" && id !== "" ? id : null;
};

function errorText(error: unknown): string | null {
  if (error === undefined || error === null) return null;
  if (error instanceof Error) return error.message || error.name;
  return typeof error === "string" ? error : JSON.stringify(toJson(error));
}

function taskRecord(task: Snapshot["tasks"][number]): ThreadTaskRecord {
  return {
    id: String(task.id),
    name: String(task.name),
    interrupts: (task.interrupts ?? []).map((i) => ({ id: String(i.id ?? ""), value: toJson(i.value) })),
    error: errorText(task.error),
  };
}

function objectOf(value: unknown): JsonObject {
  const json = toJson(value);
  return isJsonObject(json) ? json : json === null ? {} : { value: json };
}

/** A snapshot as a record; a snapshot of no checkpoint (LangGraph's empty one) is the empty state. */
function toRecord(snapshot: Snapshot): ThreadStateRecord {
  const checkpointId = idOf(snapshot.config);
  if (snapshot.createdAt === undefined || checkpointId === null) return emptyThreadState();
  return {
    values: objectOf(snapshot.values),
    next: [...snapshot.next],
    tasks: snapshot.tasks.map(taskRecord),
    checkpointId,
    parentCheckpointId: idOf(snapshot.parentConfig),
    metadata: objectOf(snapshot.metadata),
    createdAt: new Date(snapshot.createdAt),
  };
}

async function hasCheckpoint(graph: StatefulGraph, threadId: string, checkpointId: string): Promise<boolean> {
  const saver = graph.checkpointer as BaseCheckpointSaver;
  return (await saver.getTuple(rootConfig(threadId, checkpointId))) !== undefined;
}

/** The thread's latest state, or its state at `checkpointId` (CheckpointNotFoundError on `field` when the thread has no such checkpoint). */
export async function readThreadState(graph: RunnableGraph, threadId: string, checkpointId: string | null, field = "checkpoint_id"): Promise<ThreadStateRecord> {
  const state = toRecord(await stateful(graph).getState(rootConfig(threadId, checkpointId)));
  if (checkpointId && state.checkpointId === null) throw new CheckpointNotFoundError(field, checkpointId, threadId);
  return state;
}

export interface StateUpdate {
  values: JsonObject;
  /** The node the values count as written by; null: LangGraph picks (the last node that ran). */
  asNode: string | null;
  /** Fork from this checkpoint; null: the latest. */
  checkpointId: string | null;
}

/** Writes `update` through the graph's reducers as a new checkpoint; returns its id. */
export async function writeThreadState(graph: RunnableGraph, threadId: string, update: StateUpdate): Promise<string> {
  const g = stateful(graph);
  if (update.asNode !== null && !Object.hasOwn(g.nodes, update.asNode)) {
    throw new InvalidArgumentError("as_node", `"${update.asNode}" is not a node of this thread's graph (nodes: ${Object.keys(g.nodes).join(", ")})`);
  }
  if (update.checkpointId && !(await hasCheckpoint(g, threadId, update.checkpointId))) {
    throw new CheckpointNotFoundError("checkpoint_id", update.checkpointId, threadId);
  }
  let written: Configurable;
  try {
    written = await g.updateState(rootConfig(threadId, update.checkpointId), update.values, update.asNode ?? undefined);
  } catch (error) {
    // The graph refused the update itself (no node to attribute it to, values its channels do not take).
    if (!(error instanceof Error) || error.name !== "InvalidUpdateError") throw error;
    throw new InvalidArgumentError(/asNode/.test(error.message) ? "as_node" : "values", error.message.replace(/"?asNode"?/g, "as_node"));
  }
  const id = idOf(written);
  if (id === null) throw new Error("LangGraph's updateState returned no checkpoint id");
  return id;
}

/** Checkpoints of the thread, newest first: the first `limit` older than `before` whose metadata equals `filter`. */
export async function listThreadHistory(graph: RunnableGraph, threadId: string, query: HistoryQuery): Promise<ThreadStateRecord[]> {
  const options: Record<string, unknown> = { limit: query.limit };
  if (query.before) options["before"] = rootConfig(threadId, query.before);
  if (query.filter && Object.keys(query.filter).length > 0) options["filter"] = query.filter;
  const states: ThreadStateRecord[] = [];
  for await (const snapshot of stateful(graph).getStateHistory(rootConfig(threadId), options)) states.push(toRecord(snapshot));
  return states;
}
