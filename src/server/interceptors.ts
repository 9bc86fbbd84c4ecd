// Server interceptors: who is calling, and errors a client may see.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { METHOD_ACCESS, methodKey, type Access } from "../auth/access.js";
import { callerKey, type Authenticator } from "../auth/caller.js";
import { toRpcError } from "../service/errors.js";

/**
 * Checks every call against the access table before any handler runs: public
 * methods pass without looking at credentials; others need a caller holding
 * the method's permission; a method missing from the table is refused.
 */
export function authInterceptor(authenticate: Authenticator, access: ReadonlyMap<string, Access> = METHOD_ACCESS): Interceptor {
  return (next) => async (req) => {
    const key = methodKey(req.service.typeName, req.method.name);
    const needed = access.get(key);
    if (needed === undefined) throw new ConnectError(`${key} has no access rule; refusing it`, Code.PermissionDenied);
    if (needed === "public") return next(req);
    const caller = await authenticate(req.header);
    if (!caller) throw new ConnectError("missing credentials", Code.Unauthenticated);
    if (!caller.permissions.has(needed)) throw new ConnectError(`permission "${needed}" is required`, Code.PermissionDenied);
    req.contextValues.set(callerKey, caller);
    return next(req);
  };
}

/**
 * Maps domain errors to RPC codes, including errors thrown mid-stream, and
 * hides anything unexpected behind INTERNAL (logged with the request id).
 */
export function errorInterceptor(logger: Logger): Interceptor {
  const map = (error: unknown, method: string, requestId: string | null): ConnectError => {
    const { error: rpc, unexpected } = toRpcError(error);
    if (unexpected) logger.error({ err: error, method, request_id: requestId }, "unexpected error");
    if (unexpected && requestId) rpc.metadata.set("x-request-id", requestId);
    return rpc;
  };
  return (next) => async (req) => {
    const requestId = req.header.get("x-request-id");
    const method = req.method.name;
    try {
      const res = await next(req);
      if (!res.stream) return res;
      const source = res.message;
      return {
        ...res,
        message: (async function* () {
          try {
            yield* source;
          } catch (error) {
            throw map(error, method, requestId);
          }
        })(),
      };
    } catch (error) {
      throw map(error, method, requestId);
    }
  };
}
