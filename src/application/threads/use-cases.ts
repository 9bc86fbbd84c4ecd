// The thread resources: create, read, merge metadata, delete, search. Every
// use case is scoped to the caller: another user's thread answers exactly as
// a missing one would (NOT_FOUND), except on create, where the id is taken.
import { randomUUID } from "node:crypto";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { InvalidArgumentError, ThreadExistsError, ThreadNotFoundError } from "../../domain/errors.js";
import type { JsonObject, ThreadRecord, ThreadStatus } from "../../domain/records.js";
import { metadataEntries } from "../../stores/thread-metadata.js";
import type { Stores, ThreadPosition } from "../../stores/types.js";
import { decodePageToken, encodePageToken, pageScope } from "../page-token.js";
import { deleteThread } from "./delete-thread.js";

export interface ThreadCreate {
  /** null: a new UUID. */
  threadId: string | null;
  metadata: JsonObject;
  ifExists: "raise" | "do_nothing";
}

export interface ThreadSearch {
  metadata: JsonObject;
  statuses: ThreadStatus[];
  pageSize: number;
  pageToken: string;
}

export interface ThreadPage {
  threads: ThreadRecord[];
  /** Empty on the last page. */
  nextPageToken: string;
}

export interface ThreadUseCases {
  create(request: ThreadCreate, userId: string): Promise<ThreadRecord>;
  get(threadId: string, userId: string): Promise<ThreadRecord>;
  /** Merges `metadata` (a null value removes its key) and returns the thread after. */
  update(threadId: string, userId: string, metadata: JsonObject): Promise<ThreadRecord>;
  /** The thread with its runs, their events, messages and feedback, and its checkpoints. */
  delete(threadId: string, userId: string): Promise<void>;
  search(query: ThreadSearch, userId: string): Promise<ThreadPage>;
}

export interface ThreadDeps {
  stores: Stores;
  checkpointer: BaseCheckpointSaver;
}

export function threadUseCases(deps: ThreadDeps): ThreadUseCases {
  const { threads } = deps.stores;
  const owned = async (threadId: string, userId: string): Promise<ThreadRecord> => {
    const thread = await threads.getOwned(threadId, userId);
    // One being deleted is gone already as far as readers are concerned.
    if (!thread || thread.deleting) throw new ThreadNotFoundError(threadId);
    return thread;
  };
  return {
    async create(request, userId) {
      const threadId = request.threadId ?? randomUUID();
      const { created, thread } = await threads.create(threadId, userId, request.metadata);
      if (created) return thread;
      // Another user's thread with this id is ALREADY_EXISTS whatever if_exists
      // says, and is never returned: the caller learns that the id is taken,
      // not whose it is or what it holds. One being deleted is still taken.
      if (thread.userId !== userId || thread.deleting || request.ifExists === "raise") throw new ThreadExistsError(threadId);
      return thread;
    },
    get: owned,
    async update(threadId, userId, metadata) {
      const updated = await threads.updateMetadata(threadId, userId, metadata, checkMerged);
      if (!updated) throw new ThreadNotFoundError(threadId);
      return updated;
    },
    delete: (threadId, userId) => deleteThread(deps, threadId, userId),
    search: (query, userId) => searchThreads(deps.stores, query, userId),
  };
}

/** What a thread's metadata may grow to by merges: the bound a request's own metadata has (service/validate.ts). */
const MAX_METADATA_BYTES = 64 * 1024;
const MAX_METADATA_KEYS = 1_000;

function checkMerged(merged: JsonObject): void {
  if (Object.keys(merged).length > MAX_METADATA_KEYS || Buffer.byteLength(JSON.stringify(merged)) > MAX_METADATA_BYTES) {
    throw new InvalidArgumentError("metadata", `merged into the thread's, it would pass ${MAX_METADATA_KEYS} keys or 64 KiB serialized; remove keys (set them to null) first`);
  }
}

async function searchThreads(stores: Stores, query: ThreadSearch, userId: string): Promise<ThreadPage> {
  const statuses = [...query.statuses].sort();
  // The filter as canonical entries, sorted: the same filter in another key order (a client's map) keeps its tokens.
  const scope = pageScope("threads", userId, [metadataEntries(query.metadata).sort(), statuses]);
  const after = positionOf(decodePageToken(query.pageToken, scope));
  // One more than the page shows whether another page follows.
  const rows = await stores.threads.page({ userId, metadata: query.metadata, statuses, after, limit: query.pageSize + 1 });
  const threads = rows.slice(0, query.pageSize);
  const last = threads.at(-1);
  const nextPageToken = rows.length > query.pageSize && last ? encodePageToken([last.createdAt.getTime(), last.threadId], scope) : "";
  return { threads, nextPageToken };
}

/** A decoded token's position; its MAC held, so anything else is a token of another format. */
function positionOf(position: unknown): ThreadPosition | null {
  if (position === null) return null;
  if (Array.isArray(position) && position.length === 2 && Number.isSafeInteger(position[0]) && typeof position[1] === "string") {
    return { createdAt: new Date(position[0] as number), threadId: position[1] };
  }
  throw new InvalidArgumentError("page_token", "not a page token of this query");
}
