// Threads over HTTP as the Platform's SDK calls them: create, get, patch
// (metadata merge), delete, search. A thread's `values` are its latest
// checkpoint's, read through the same use case GetThreadState uses.
import type { ThreadRecord, ThreadStatus } from "../../domain/records.js";
import type { HttpDeps } from "../deps.js";
import { offsetWindow } from "../offset-page.js";
import { route, type AnyRoute } from "../router.js";
import { jsonObject, resourceId, z } from "../validation.js";
import { threadJson } from "../wire.js";
import { threadSchema, threadStatus } from "./schemas.js";

const tag = "threads";
const threadParams = z.strictObject({ thread_id: resourceId });
const MAX_OFFSET = 10_000;

const createBody = z.strictObject({
  thread_id: resourceId.optional(),
  metadata: jsonObject.optional(),
  if_exists: z.enum(["raise", "do_nothing"]).optional().describe("raise: 409 when it exists (the default)."),
});

const searchBody = z.strictObject({
  metadata: jsonObject.optional(),
  status: threadStatus.optional(),
  limit: z.number().int().min(1).max(200).default(10),
  offset: z.number().int().min(0).max(MAX_OFFSET).default(0),
  sort_by: z.literal("created_at").optional().describe("Newest first is the only order."),
  sort_order: z.literal("desc").optional(),
});

async function withValues(deps: HttpDeps, thread: ThreadRecord) {
  const state = await deps.app.threadState.latestOf(thread);
  return threadJson(thread, state.checkpointId === null ? null : state.values);
}

/** The caller's threads, newest first, LangGraph's limit/offset window of them. */
function search(deps: HttpDeps, body: z.output<typeof searchBody>, userId: string): Promise<ThreadRecord[]> {
  const statuses: ThreadStatus[] = body.status ? [body.status] : [];
  return offsetWindow(body.limit, body.offset, async (pageSize, pageToken) => {
    const page = await deps.app.threads.search({ metadata: (body.metadata ?? {}) as never, statuses, pageSize, pageToken }, userId);
    return { rows: page.threads, nextPageToken: page.nextPageToken };
  });
}

export function threadRoutes(deps: HttpDeps): AnyRoute[] {
  return [
    route({
      method: "post", path: "/threads", tag, summary: "Create a thread", permission: "threads:write", body: createBody, response: threadSchema,
      async handle({ body, caller, c }) {
        const thread = await deps.app.threads.create({ threadId: body.thread_id ?? null, metadata: (body.metadata ?? {}) as never, ifExists: body.if_exists ?? "raise" }, caller.userId);
        return c.json(await withValues(deps, thread));
      },
    }),
    route({
      method: "get", path: "/threads/:thread_id", tag, summary: "Get a thread with its latest values", permission: "threads:read", params: threadParams, response: threadSchema,
      handle: async ({ params, caller, c }) => c.json(await withValues(deps, await deps.app.threads.get(params.thread_id, caller.userId))),
    }),
    route({
      method: "patch", path: "/threads/:thread_id", tag, summary: "Merge metadata into a thread (null removes a key)", permission: "threads:write", params: threadParams, body: z.strictObject({ metadata: jsonObject.optional() }), response: threadSchema,
      async handle({ params, body, caller, c }) {
        const thread = await deps.app.threads.update(params.thread_id, caller.userId, (body.metadata ?? {}) as never);
        return c.json(await withValues(deps, thread));
      },
    }),
    route({
      method: "delete", path: "/threads/:thread_id", tag, summary: "Delete a thread with its runs, events, messages, feedback and checkpoints", permission: "threads:write", params: threadParams, produces: "none",
      async handle({ params, caller, c }) {
        await deps.app.threads.delete(params.thread_id, caller.userId);
        return c.body(null, 204);
      },
    }),
    route({
      method: "post", path: "/threads/search", tag, summary: "The caller's threads, newest first, by metadata and status", permission: "threads:read", body: searchBody, response: z.array(threadSchema),
      async handle({ body, caller, c }) {
        const threads = await search(deps, body, caller.userId);
        return c.json(await Promise.all(threads.map((t) => withValues(deps, t))));
      },
    }),
  ];
}
