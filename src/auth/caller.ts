// Who is calling, and what they may do. Interceptors in this folder put the
// caller into the request context; handlers only ask for a permission.
import { Code, ConnectError, createContextKey, type HandlerContext } from "@connectrpc/connect";

export const PERMISSIONS = ["runs:create", "runs:read", "runs:cancel", "feedback:write"] as const;
export type Permission = (typeof PERMISSIONS)[number];

export interface Caller {
  userId: string;
  permissions: ReadonlySet<Permission>;
}

export const callerKey = createContextKey<Caller | undefined>(undefined, { description: "the authenticated caller" });

/** The single user of a server without auth configured. */
export const LOCAL_CALLER: Caller = { userId: "local", permissions: new Set(PERMISSIONS) };

/** The caller, if they hold `permission`; PERMISSION_DENIED otherwise. */
export function authorize(ctx: HandlerContext, permission: Permission): Caller {
  const caller = ctx.values.get(callerKey);
  if (!caller) throw new ConnectError("missing credentials", Code.Unauthenticated);
  if (!caller.permissions.has(permission)) {
    throw new ConnectError(`permission "${permission}" is required`, Code.PermissionDenied);
  }
  return caller;
}
