// One route table for both HTTP APIs: each route declares its method, path,
// permission and the zod schemas of its path parameters, query and body; the
// table registers the routes on Hono and is what GET /openapi.json is
// generated from, so the document cannot drift from what is served.
import type { Context, Hono } from "hono";
import type { Logger } from "pino";
import { authorize } from "../auth/authorize.js";
import type { Authenticator, Caller, Permission, Refusal } from "../auth/caller.js";
import { HttpError, httpFailure } from "./errors.js";
import { jsonBody, parseWith, queryOf, type z } from "./validation.js";

type Method = "get" | "post" | "patch" | "put" | "delete";

export interface RouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  caller: Caller;
  /** Aborts when the client goes away. */
  signal: AbortSignal;
  c: Context;
}

export interface RouteSpec<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** Hono's syntax: /threads/:thread_id */
  path: string;
  summary: string;
  tag: string;
  /** null: no credentials needed (probes, /info, /openapi.json). */
  permission: Permission | null;
  params?: P;
  query?: Q;
  body?: B;
  /** The JSON a 2xx answer carries, for the OpenAPI document; absent for SSE and empty answers. */
  response?: z.ZodType;
  /** "sse" for text/event-stream answers. */
  produces?: "json" | "sse" | "none";
  handle(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<Response> | Response;
}

export type AnyRoute = RouteSpec<z.ZodType, z.ZodType, z.ZodType>;

export function route<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType>(spec: RouteSpec<P, Q, B>): AnyRoute {
  return spec as unknown as AnyRoute;
}

export interface RouterDeps {
  authenticate: Authenticator;
  logger: Logger;
}

const NO_CALLER: Caller = { userId: "", permissions: new Set() };
const STATUS_OF_REFUSAL: Record<Refusal["kind"], number> = { unauthenticated: 401, permission_denied: 403, invalid_argument: 422 };

/** The route's caller (src/auth/authorize.ts), or the refusal as its HTTP status; x-api-key is a credential here as in LangGraph. */
async function callerFor(deps: RouterDeps, spec: AnyRoute, headers: Headers): Promise<Caller> {
  const name = `${spec.method.toUpperCase()} ${spec.path}`;
  const verdict = await authorize(deps.authenticate, { headers, access: spec.permission ?? "public", name, apiKeyHeader: true });
  if ("refusal" in verdict) throw new HttpError(STATUS_OF_REFUSAL[verdict.refusal.kind], verdict.refusal.message);
  return verdict.caller ?? NO_CALLER;
}

async function inputOf(deps: RouterDeps, spec: AnyRoute, c: Context): Promise<RouteInput<unknown, unknown, unknown>> {
  const caller = await callerFor(deps, spec, c.req.raw.headers);
  const params = spec.params ? parseWith(spec.params, c.req.param(), "path") : {};
  const query = spec.query ? parseWith(spec.query, queryOf(c.req.url), "query") : {};
  const body = spec.body ? parseWith(spec.body, await jsonBody(c.req.raw)) : undefined;
  return { params, query, body, caller, signal: c.req.raw.signal, c };
}

/** An error as its JSON answer; unexpected ones are logged, never shown. */
export function failureResponse(deps: RouterDeps, c: Context, error: unknown): Response {
  const failure = httpFailure(error);
  if (failure.unexpected) deps.logger.error({ err: error, method: c.req.method, path: c.req.path }, "http route failed");
  return c.json(failure.body, failure.status as 500);
}

export function register(app: Hono, deps: RouterDeps, routes: AnyRoute[]): void {
  for (const spec of routes) {
    app.on(spec.method.toUpperCase(), spec.path, async (c) => {
      try {
        return await spec.handle(await inputOf(deps, spec, c));
      } catch (error) {
        return failureResponse(deps, c, error);
      }
    });
  }
}
