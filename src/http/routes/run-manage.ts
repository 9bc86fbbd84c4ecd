// A thread's runs over HTTP: list, get, cancel (one or many), join (wait or
// stream again, resuming after Last-Event-ID), delete. Every lookup is the
// caller's: a run of another user, or of another thread than the path's, is
// 404 like a missing one.
import type { Context } from "hono";
import type { RunRecord } from "../../domain/records.js";
import type { TailItem } from "../../application/index.js";
import { runLocation, type HttpDeps } from "../deps.js";
import { unprocessable } from "../errors.js";
import { offsetWindow } from "../offset-page.js";
import { route, type AnyRoute } from "../router.js";
import { sseResponse } from "../sse.js";
import { queryBool, resourceId, z } from "../validation.js";
import { runJson } from "../wire.js";
import { waitBody } from "./run-create.js";
import { runSchema, runStatus } from "./schemas.js";

const tag = "runs";
const threadParams = z.strictObject({ thread_id: resourceId });
const runParams = z.strictObject({ thread_id: resourceId, run_id: z.string().min(1).max(128) });
const MAX_OFFSET = 10_000;

/** The path's run: the use cases read it once, answering 404 for a run on another thread as for a missing one. */
const onThread = (p: { thread_id: string; run_id: string }) => ({ runId: p.run_id, threadId: p.thread_id });

/** A thread's runs, newest first, LangGraph's limit/offset window of them. */
function listRuns(deps: HttpDeps, threadId: string, statuses: RunRecord["status"][], limit: number, offset: number, userId: string): Promise<RunRecord[]> {
  return offsetWindow(limit, offset, async (pageSize, pageToken) => {
    const page = await deps.app.runs.list({ threadId, statuses, pageSize, pageToken }, userId);
    return { rows: page.runs, nextPageToken: page.nextPageToken };
  });
}

/** A run's events after `lastEventId`, keeping only `modes` (metadata, error and end always pass); cancels the run if the client leaves early and asked for that. */
async function* filtered(events: AsyncIterable<TailItem>, modes: Set<string> | null, onLeftEarly: (() => Promise<unknown>) | null, signal: AbortSignal): AsyncGenerator<TailItem> {
  let ended = false;
  try {
    for await (const item of events) {
      if (item.type === "event" && item.event.kind === "end") ended = true;
      if (modes && item.type === "event" && item.event.kind === "part" && !modes.has(item.event.mode === "messages" ? "messages-tuple" : item.event.mode)) continue;
      yield item;
    }
  } finally {
    if (!ended && signal.aborted && onLeftEarly) await onLeftEarly().catch(() => undefined);
  }
}

function lastEventId(c: Context): number {
  const header = c.req.header("last-event-id");
  if (header === undefined || header === "" || header === "-1") return 0;
  if (!/^\d{1,15}$/.test(header)) throw unprocessable("Last-Event-ID", "must be an event id this server sent");
  return Number(header);
}

const listQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(10),
  offset: z.coerce.number().int().min(0).max(MAX_OFFSET).default(0),
  status: runStatus.optional(),
  select: z.never().optional().describe("Not supported: every field is returned."),
});

const streamQuery = z.strictObject({
  cancel_on_disconnect: queryBool.optional(),
  stream_mode: z.union([z.string(), z.array(z.string())]).optional(),
  checkpoint_id: z.string().max(128).optional().describe("Not used to position the stream: the whole run is replayed (after Last-Event-ID when given), which the SDK documents for servers that do not position by checkpoint."),
});

const cancelQuery = z.strictObject({ wait: queryBool.optional(), action: z.enum(["interrupt", "rollback"]).default("interrupt"), reason: z.string().max(1024).optional() });

const cancelManyBody = z.strictObject({
  thread_id: resourceId.optional(),
  run_ids: z.array(z.string().min(1).max(128)).max(1000).optional(),
  status: z.enum(["pending", "running", "all"]).optional(),
});

/** The Platform's bulk cancel: run_ids, or thread_id with a status; never both. */
function selectorOf(body: z.output<typeof cancelManyBody>) {
  if ((body.run_ids === undefined) === (body.thread_id === undefined)) throw unprocessable("run_ids", "give run_ids or thread_id, exactly one");
  if (body.run_ids !== undefined) {
    if (body.status !== undefined) throw unprocessable("status", "goes with thread_id, not run_ids");
    return { runIds: body.run_ids };
  }
  const statuses: RunRecord["status"][] = body.status === "pending" || body.status === "running" ? [body.status] : [];
  return { threadId: body.thread_id!, statuses };
}

export function runManageRoutes(deps: HttpDeps): AnyRoute[] {
  return [
    route({
      method: "post", path: "/runs/cancel", tag, summary: "Cancel several of the caller's runs: by id, or a thread's pending/running ones", permission: "runs:cancel",
      body: cancelManyBody, query: z.strictObject({ action: z.enum(["interrupt", "rollback"]).default("interrupt") }), produces: "none",
      async handle({ body, query, caller, signal, c }) {
        await deps.app.runs.cancelMany(selectorOf(body), query.action, caller.userId, signal);
        return c.body(null, 204);
      },
    }),
    route({
      method: "get", path: "/threads/:thread_id/runs", tag, summary: "List a thread's runs, newest first", permission: "runs:read", params: threadParams, query: listQuery, response: z.array(runSchema),
      async handle({ params, query, caller, c }) {
        await deps.app.threads.get(params.thread_id, caller.userId);
        const runs = await listRuns(deps, params.thread_id, query.status ? [query.status] : [], query.limit, query.offset, caller.userId);
        return c.json(runs.map(runJson));
      },
    }),
    route({
      method: "get", path: "/threads/:thread_id/runs/:run_id", tag, summary: "Get a run", permission: "runs:read", params: runParams, response: runSchema,
      handle: async ({ params, caller, c }) => c.json(runJson(await deps.app.runs.get(onThread(params), caller.userId))),
    }),
    route({
      method: "delete", path: "/threads/:thread_id/runs/:run_id", tag, summary: "Delete a run that ended, with its events, messages and feedback", permission: "runs:delete", params: runParams, produces: "none",
      async handle({ params, caller, c }) {
        await deps.app.runs.delete(onThread(params), caller.userId);
        return c.body(null, 204);
      },
    }),
    route({
      method: "post", path: "/threads/:thread_id/runs/:run_id/cancel", tag, summary: "Cancel a run (202; with wait=1, 204 once it stopped)", permission: "runs:cancel", params: runParams, query: cancelQuery, produces: "none",
      async handle({ params, query, caller, signal, c }) {
        await deps.app.runs.cancel(onThread(params), query.action, query.wait ?? false, caller.userId, signal);
        return c.body(null, query.wait ? 204 : 202);
      },
    }),
    route({
      method: "get", path: "/threads/:thread_id/runs/:run_id/join", tag, summary: "Wait for a run to end; the thread's values", permission: "runs:read", params: runParams,
      async handle({ params, caller, signal, c }) {
        const { outcome } = await deps.app.runs.await(onThread(params), caller.userId, signal);
        return waitBody(c, outcome);
      },
    }),
    route({
      method: "get", path: "/threads/:thread_id/runs/:run_id/stream", tag, summary: "Stream a run's events again (SSE), after Last-Event-ID", permission: "runs:read", params: runParams, query: streamQuery, produces: "sse",
      async handle({ params, query, caller, signal, c }) {
        const after = lastEventId(c);
        const { run, events } = await deps.app.runs.join(onThread(params), after, caller.userId, signal);
        const modes = query.stream_mode === undefined ? null : new Set([query.stream_mode].flat());
        const cancel = query.cancel_on_disconnect ? () => deps.app.runs.cancel(run.runId, "interrupt", false, caller.userId, new AbortController().signal) : null;
        return sseResponse(c, filtered(events, modes, cancel, signal), { runId: run.runId, location: runLocation(run), ...(deps.eventsSent && { eventsSent: deps.eventsSent }) });
      },
    }),
  ];
}
