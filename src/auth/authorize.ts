// The one credential check every transport runs before a handler does (the
// RPCs' auth interceptor, the HTTP APIs' router): the rule the call needs
// (src/auth/access.ts, or an HTTP route's permission), the caller from the
// credentials, its permission, then acting for a user (act-as.ts). Each
// transport maps a refusal to its own status; the wording is decided here once.
import { Code, ConnectError } from "@connectrpc/connect";
import type { Access } from "./access.js";
import { actingCaller } from "./act-as.js";
import type { Authenticator, Caller, Refusal } from "./caller.js";

export interface AuthorizeRequest {
  headers: Headers;
  /** The rule the call needs; undefined (no rule declared) refuses it. */
  access: Access | undefined;
  /** The call's name, for the refusal of a call without a rule. */
  name: string;
  /** Also take LangGraph's x-api-key as the bearer token (the HTTP APIs; RPC clients send authorization). */
  apiKeyHeader?: boolean;
}

/** caller null: a public call, admitted without looking at credentials (probes must never fail on a stale token). */
export type Authorization = { caller: Caller | null } | { refusal: Refusal };

export const MISSING_CREDENTIALS = "missing credentials: send authorization: Bearer <token>";

export async function authorize(authenticate: Authenticator, request: AuthorizeRequest): Promise<Authorization> {
  const { access, headers } = request;
  if (access === undefined) return refused("permission_denied", `${request.name} has no access rule; refusing it`);
  if (access === "public") return { caller: null };
  const authenticated = await callerFrom(authenticate, request.apiKeyHeader ? withApiKey(headers) : headers);
  if ("refusal" in authenticated) return authenticated;
  const { caller } = authenticated;
  if (!caller) return refused("unauthenticated", MISSING_CREDENTIALS);
  if (!caller.permissions.has(access)) return refused("permission_denied", `permission "${access}" is required`);
  return actingCaller(caller, headers);
}

const refused = (kind: Refusal["kind"], message: string): { refusal: Refusal } => ({ refusal: { kind, message } });

/** The authenticator's verdict, its refusal of a bad token (a ConnectError it throws) as a refusal like the others. */
async function callerFrom(authenticate: Authenticator, headers: Headers): Promise<Authorization> {
  try {
    return { caller: await authenticate(headers) };
  } catch (error) {
    if (error instanceof ConnectError && error.code === Code.Unauthenticated) return refused("unauthenticated", error.rawMessage);
    throw error;
  }
}

/** x-api-key is one more way to send the same credential as `authorization: Bearer`; authorization wins when both are sent. */
function withApiKey(headers: Headers): Headers {
  const key = headers.get("x-api-key");
  if (key === null || headers.has("authorization")) return headers;
  const out = new Headers(headers);
  out.set("authorization", `Bearer ${key}`);
  return out;
}
