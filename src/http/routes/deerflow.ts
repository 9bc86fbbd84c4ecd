// DeerFlow's gateway runs routes, the seed of this project, with the request
// and answer shapes its frontend uses: a run's thread comes from
// config.configurable.thread_id (else a new one); a stream's client leaving
// cancels its run unless on_disconnect is "continue" (cancel is DeerFlow's
// default, unlike the Platform's continue); messages page by seq and answer `{data, has_more}`
// (both keys always); an unknown or another user's run is 404, a bad query 422.
import type { StoredMessage } from "../../domain/events.js";
import type { FeedbackRecord } from "../../domain/records.js";
import { parseMessagePage } from "../../service/validate.js";
import { runLocation, type HttpDeps } from "../deps.js";
import { runCreateBody, runSpecOf } from "../run-body.js";
import { route, type AnyRoute } from "../router.js";
import { sseResponse } from "../sse.js";
import { jsonObject, z } from "../validation.js";
import { waitBody } from "./run-create.js";
import { messagePageSchema } from "./schemas.js";

const tag = "deerflow";
const runParams = z.strictObject({ run_id: z.string().min(1).max(128) });
const seq = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const messagesQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).optional(), before_seq: seq.optional(), after_seq: seq.optional() });

/** A stored message as DeerFlow's run-event rows show it. */
function messageRow(row: StoredMessage) {
  return { seq: row.seq, run_id: row.runId, thread_id: row.threadId, category: "message", event_type: row.data["type"] ?? null, content: row.data, created_at: row.createdAt.toISOString() };
}

function feedbackRow(f: FeedbackRecord) {
  return { feedback_id: f.feedbackId, run_id: f.runId, thread_id: f.threadId, user_id: f.userId, message_id: f.messageId, rating: f.rating, comment: f.comment, created_at: f.createdAt.toISOString() };
}

const spec = (deps: HttpDeps, body: unknown) => runSpecOf(body, null, deps.app, deps.validator, { onDisconnect: "cancel" }).spec;

export function deerflowRoutes(deps: HttpDeps): AnyRoute[] {
  const noCache = (c: { header(k: string, v: string): void }) => c.header("Cache-Control", "no-cache");
  return [
    route({
      method: "post", path: "/api/runs/stream", tag, summary: "DeerFlow: create a run and stream its events (SSE)", permission: "runs:create", body: runCreateBody, produces: "sse",
      async handle({ body, caller, signal, c }) {
        const { run, events } = await deps.app.runs.stream(spec(deps, body), caller.userId, signal);
        return sseResponse(c, events, { runId: run.runId, location: runLocation(run), ...(deps.eventsSent && { eventsSent: deps.eventsSent }) });
      },
    }),
    route({
      method: "post", path: "/api/runs/wait", tag, summary: "DeerFlow: create a run, wait, answer the thread's final values", permission: "runs:create", body: runCreateBody,
      async handle({ body, caller, signal, c }) {
        const { run, outcome } = await deps.app.runs.wait(spec(deps, body), caller.userId, signal);
        c.header("Content-Location", runLocation(run).content);
        noCache(c);
        return waitBody(c, outcome);
      },
    }),
    route({
      method: "get", path: "/api/runs/:run_id/messages", tag, summary: "DeerFlow: a run's messages by seq (limit 1..200, before_seq or after_seq)", permission: "runs:read",
      params: runParams, query: messagesQuery, response: messagePageSchema,
      async handle({ params, query, caller, c }) {
        const page = parseMessagePage(query.limit, query.before_seq === undefined ? undefined : BigInt(query.before_seq), query.after_seq === undefined ? undefined : BigInt(query.after_seq));
        const result = await deps.app.runs.listMessages(params.run_id, page, caller.userId);
        noCache(c);
        return c.json({ data: result.rows.map(messageRow), has_more: result.hasMore });
      },
    }),
    route({
      method: "get", path: "/api/runs/:run_id/feedback", tag, summary: "DeerFlow: the feedback left on a run", permission: "runs:read", params: runParams, response: z.array(jsonObject),
      async handle({ params, caller, c }) {
        const { feedback } = await deps.app.feedback.list(params.run_id, caller.userId);
        noCache(c);
        return c.json(feedback.map(feedbackRow));
      },
    }),
  ];
}
