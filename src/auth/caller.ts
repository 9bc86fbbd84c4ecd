// Who is calling, and what they may do. The auth interceptor resolves the
// caller and checks the method's permission (src/auth/access.ts) before any
// handler runs; handlers only read who the caller is.
import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";

export const PERMISSIONS = [
  "runs:create",
  "runs:read",
  "runs:cancel",
  "runs:delete",
  "feedback:write",
  "threads:read",
  "threads:write",
  "users:act_as",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

/** What a credential that lists no permissions gets: everything but acting for other users, which must be granted by name. */
export const DEFAULT_PERMISSIONS: readonly Permission[] = PERMISSIONS.filter((p) => p !== "users:act_as");

export interface Caller {
  /** The user whose resources the call reads and writes. */
  userId: string;
  permissions: ReadonlySet<Permission>;
  /** When the credential acts for `userId` (src/auth/act-as.ts): the credential's own user, for the logs. */
  actingUserId?: string;
}

/**
 * Why a request was refused before any handler ran, as each transport maps it
 * (gRPC codes; HTTP 401, 403 and 422): unauthenticated is "who are you?",
 * permission_denied "not you", invalid_argument a malformed act-as header.
 */
export interface Refusal {
  kind: "unauthenticated" | "permission_denied" | "invalid_argument";
  message: string;
}

/** Resolves the caller from request headers; null means no credentials were given. */
export type Authenticator = (headers: Headers) => Promise<Caller | null>;

export const callerKey = createContextKey<Caller | undefined>(undefined, { description: "the authenticated caller" });

/** The single user of a server without auth configured. */
export const LOCAL_CALLER: Caller = { userId: "local", permissions: new Set(DEFAULT_PERMISSIONS) };

/** The caller the auth interceptor admitted; a handler reached without one is a wiring bug, refused as such. */
export function callerOf(ctx: HandlerContext): Caller {
  const caller = ctx.values.get(callerKey);
  if (!caller) throw new ConnectError("missing credentials", Code.Unauthenticated);
  return caller;
}
