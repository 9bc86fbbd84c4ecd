// A thread's checkpointed state, history and messages, for its owner. The
// graph whose channels and reducers read and write the state is the
// assistant of the thread's latest run: a thread no run has run on has no
// state yet (and no graph to update it with).
import { CheckpointNotFoundError, InvalidArgumentError, ThreadBusyError, ThreadHasNoGraphError, ThreadNotFoundError } from "../../domain/errors.js";
import type { MessagePage, MessagePageQuery } from "../../domain/events.js";
import { ACTIVE_STATUSES, type JsonValue, type ThreadRecord } from "../../domain/records.js";
import { emptyThreadState, type HistoryQuery, type ThreadStateRecord } from "../../domain/thread-state.js";
import type { GraphRegistry, RegisteredGraph } from "../../runtime/graphs.js";
import { listThreadHistory, readThreadState, writeThreadState, type StateUpdate } from "../../runtime/thread-state.js";
import type { Stores } from "../../stores/types.js";
import { decodePageToken, encodePageToken, pageScope } from "../page-token.js";

export type { StateUpdate };

export interface ThreadStateDeps {
  stores: Stores;
  graphs: GraphRegistry;
}

/** A ListThreadHistory request, decoded: page_size, page_token, before_checkpoint_id, metadata. */
export interface HistoryRequest {
  pageSize: number;
  pageToken: string;
  before: string | null;
  filter: NonNullable<HistoryQuery["filter"]>;
}

export interface HistoryPage {
  states: ThreadStateRecord[];
  /** Empty on the last page. */
  nextPageToken: string;
}

export type ThreadStateUseCases = ReturnType<typeof threadStateUseCases>;

/** How the use cases find a thread, its graph, and whether a run holds it. */
function threadLookups(deps: ThreadStateDeps) {
  const { stores, graphs } = deps;

  /**
   * The caller's thread, or ThreadNotFoundError: the owner is in the store's
   * query, so another user's looks exactly like a missing one; one being
   * deleted is gone already.
   */
  async function ownThread(threadId: string, userId: string): Promise<ThreadRecord> {
    const thread = await stores.threads.getOwned(threadId, userId);
    if (!thread || thread.deleting) throw new ThreadNotFoundError(threadId);
    return thread;
  }

  /** The graph of the thread's latest run; null when no run (of a still registered assistant) has run on it. */
  async function graphOf(threadId: string): Promise<RegisteredGraph | null> {
    const run = await stores.runs.latestByThread(threadId);
    return (run && graphs.get(run.assistantId)) ?? null;
  }

  /** A run holds the thread, or one is queued to (an enqueued run takes the thread a moment after it is stored). */
  async function busy(thread: ThreadRecord): Promise<boolean> {
    if (thread.activeRunId) return true;
    return (await stores.runs.listByThread(thread.threadId, ACTIVE_STATUSES, 1)).length > 0;
  }

  return { ownThread, graphOf, busy };
}

type ThreadLookups = ReturnType<typeof threadLookups>;

/** One page of checkpoints, newest first; the token carries the last checkpoint id returned. */
async function historyPage(lookups: ThreadLookups, threadId: string, request: HistoryRequest, userId: string): Promise<HistoryPage> {
  const scope = pageScope("history", userId, [threadId, request.filter, request.before ?? ""]);
  const position = positionOf(decodePageToken(request.pageToken, scope));
  await lookups.ownThread(threadId, userId);
  const graph = await lookups.graphOf(threadId);
  if (!graph) return { states: [], nextPageToken: "" };
  const before = position ?? request.before ?? undefined;
  const query: HistoryQuery = { limit: request.pageSize + 1, filter: request.filter, ...(before !== undefined && { before }) };
  const found = await listThreadHistory(graph.graph, threadId, query);
  const states = found.slice(0, request.pageSize);
  const last = states.at(-1)?.checkpointId;
  return { states, nextPageToken: found.length > request.pageSize && last ? encodePageToken(last, scope) : "" };
}

export function threadStateUseCases(deps: ThreadStateDeps) {
  const lookups = threadLookups(deps);
  const { ownThread, graphOf, busy } = lookups;
  return {
    /** The latest state, or the state at `checkpointId` (CheckpointNotFoundError when the thread has no such checkpoint). */
    async get(threadId: string, checkpointId: string | null, userId: string): Promise<ThreadStateRecord> {
      await ownThread(threadId, userId);
      const graph = await graphOf(threadId);
      if (graph) return readThreadState(graph.graph, threadId, checkpointId);
      // No graph has written to it, so it has no checkpoint to name.
      if (checkpointId) throw new CheckpointNotFoundError("checkpoint_id", checkpointId, threadId);
      return emptyThreadState();
    },

    /** The latest state of a thread its owner has just read (the record from a use case scoped to them): no second read of it. */
    async latestOf(thread: ThreadRecord): Promise<ThreadStateRecord> {
      const graph = await graphOf(thread.threadId);
      return graph ? readThreadState(graph.graph, thread.threadId, null) : emptyThreadState();
    },

    /**
     * Writes values as `asNode` returned them; returns the new checkpoint's id.
     * Refused while a run is active: the run would overwrite the update, or
     * the update land between its steps. (A run created in the moment between
     * the check and the write sees the update or not, as if it came first.)
     */
    async update(threadId: string, update: StateUpdate, userId: string): Promise<string> {
      const thread = await ownThread(threadId, userId);
      if (await busy(thread)) throw new ThreadBusyError(threadId, "wait for it to end (or cancel it), then update the state");
      const graph = await graphOf(threadId);
      if (!graph) throw new ThreadHasNoGraphError(threadId);
      return writeThreadState(graph.graph, threadId, update);
    },

    /** One page of checkpoints, newest first; the token carries the last checkpoint id returned. */
    history: (threadId: string, request: HistoryRequest, userId: string): Promise<HistoryPage> => historyPage(lookups, threadId, request, userId),

    /** The thread's messages across its runs, paged as ListRunMessages pages a run's. */
    async messages(threadId: string, query: MessagePageQuery, userId: string): Promise<MessagePage> {
      await ownThread(threadId, userId);
      return deps.stores.events.pageThreadMessages(threadId, query);
    },
  };
}

/** A token's position is a checkpoint id; anything else was not issued here. */
function positionOf(position: JsonValue | null): string | null {
  if (position === null || typeof position === "string") return position;
  throw new InvalidArgumentError("page_token", "not a page token of this query");
}
