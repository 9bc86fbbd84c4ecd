// Creating runs over HTTP, stateless (/runs/...) and on a thread
// (/threads/{thread_id}/runs/...): background, streamed (SSE) and waited.
// Each decodes the Platform's RunCreate into the RPC contract's run and calls
// the same use case the RPC does. LangGraph's defaults where they differ from
// the RPCs': on_disconnect is continue (the RPCs: cancel), and a run on a
// thread that does not exist is 404 unless if_not_exists is "create".
import type { Context } from "hono";
import { stream } from "hono/streaming";
import type { Caller } from "../../auth/caller.js";
import type { RunRecord } from "../../domain/records.js";
import { runLocation, type HttpDeps } from "../deps.js";
import { runSpecOf, runCreateBody } from "../run-body.js";
import { route, type AnyRoute } from "../router.js";
import { sseResponse } from "../sse.js";
import { resourceId, z } from "../validation.js";
import { runJson, waitErrorJson } from "../wire.js";
import { runSchema } from "./schemas.js";

const threadParams = z.strictObject({ thread_id: resourceId });
type Where = { threadId: string | null };

/** The run's spec; on a named thread, the thread must be the caller's unless if_not_exists is "create". */
async function specFor(deps: HttpDeps, raw: unknown, where: Where, caller: Caller) {
  const { spec, body } = runSpecOf(raw, where.threadId, deps.app, deps.validator, { onDisconnect: "continue" });
  if (where.threadId !== null && body.if_not_exists !== "create") await deps.app.threads.get(spec.threadId!, caller.userId);
  return spec;
}

function located(c: Context, run: RunRecord): void {
  c.header("Content-Location", runLocation(run).content);
}

/** Waits with a newline every second so proxies keep the connection, then the thread's values (or `__error__`). */
function waitBody(c: Context, outcome: Promise<{ run: RunRecord; values: Record<string, unknown> }>): Response {
  c.header("Content-Type", "application/json");
  return stream(c, async (out) => {
    const timer = setInterval(() => void out.write("\n"), 1000);
    try {
      const { run, values } = await outcome;
      await out.write(JSON.stringify(run.error ? waitErrorJson(run.error) : values));
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      await out.write(JSON.stringify(waitErrorJson({ name: e.name, message: e.message })));
    } finally {
      clearInterval(timer);
    }
  });
}

function createRoutes(deps: HttpDeps, prefix: string, params: z.ZodType | undefined, threadOf: (p: { thread_id?: string }) => string | null): AnyRoute[] {
  const tag = "runs";
  return [
    route({
      method: "post", path: `${prefix}/runs`, tag, summary: "Create a run in the background", permission: "runs:create", params, body: runCreateBody, response: runSchema,
      async handle({ params: p, body, caller, c }) {
        const run = await deps.app.runs.create(await specFor(deps, body, { threadId: threadOf(p as object) }, caller), caller.userId);
        located(c, run);
        return c.json(runJson(run));
      },
    }),
    route({
      method: "post", path: `${prefix}/runs/stream`, tag, summary: "Create a run and stream its events (SSE)", permission: "runs:create", params, body: runCreateBody, produces: "sse",
      async handle({ params: p, body, caller, signal, c }) {
        const { run, events } = await deps.app.runs.stream(await specFor(deps, body, { threadId: threadOf(p as object) }, caller), caller.userId, signal);
        return sseResponse(c, events, { runId: run.runId, location: runLocation(run), ...(deps.eventsSent && { eventsSent: deps.eventsSent }) });
      },
    }),
    route({
      method: "post", path: `${prefix}/runs/wait`, tag, summary: "Create a run and wait for the thread's final values", permission: "runs:create", params, body: runCreateBody,
      async handle({ params: p, body, caller, signal, c }) {
        const { run, outcome } = await deps.app.runs.wait(await specFor(deps, body, { threadId: threadOf(p as object) }, caller), caller.userId, signal);
        located(c, run);
        return waitBody(c, outcome);
      },
    }),
  ];
}

export function runCreateRoutes(deps: HttpDeps): AnyRoute[] {
  return [
    ...createRoutes(deps, "", undefined, () => null),
    ...createRoutes(deps, "/threads/:thread_id", threadParams, (p) => p.thread_id ?? null),
  ];
}

export { waitBody };
