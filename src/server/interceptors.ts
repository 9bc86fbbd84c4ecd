// Server interceptors: who is calling, and errors a client may see.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { METHOD_ACCESS, methodKey, type Access } from "../auth/access.js";
import { authorize } from "../auth/authorize.js";
import { callerKey, type Authenticator, type Refusal } from "../auth/caller.js";
import { toRpcError } from "../service/errors.js";

const CODE_OF_REFUSAL: Record<Refusal["kind"], Code> = {
  unauthenticated: Code.Unauthenticated,
  permission_denied: Code.PermissionDenied,
  invalid_argument: Code.InvalidArgument,
};

/**
 * Checks every call against the access table before any handler runs
 * (src/auth/authorize.ts): public methods pass without looking at
 * credentials; others need a caller holding the method's permission; a
 * method missing from the table is refused. A caller may act for another
 * user by header when granted users:act_as.
 */
export function authInterceptor(authenticate: Authenticator, access: ReadonlyMap<string, Access> = METHOD_ACCESS): Interceptor {
  return (next) => async (req) => {
    const name = methodKey(req.service.typeName, req.method.name);
    const verdict = await authorize(authenticate, { headers: req.header, access: access.get(name), name });
    if ("refusal" in verdict) throw new ConnectError(verdict.refusal.message, CODE_OF_REFUSAL[verdict.refusal.kind]);
    if (verdict.caller) req.contextValues.set(callerKey, verdict.caller);
    return next(req);
  };
}

/**
 * What a call failed with once its client went away (or its deadline passed):
 * the handler's wait or stream gave up on the aborted signal, and whatever it
 * threw is the client's doing, not a server fault. Null while the call is live
 * or when the handler failed for a reason of its own (a domain error).
 */
function clientGone(signal: AbortSignal, error: unknown): ConnectError | null {
  if (!signal.aborted) return null;
  if (error !== signal.reason && !toRpcError(error).unexpected) return null;
  if (abandonedWith(signal) === Code.DeadlineExceeded) return signal.reason as ConnectError;
  // HTTP/2 CANCEL, HTTP/1.1 ECONNRESET (which connect-node calls "aborted") or a plain abort: the client left.
  return new ConnectError("the client canceled the call", Code.Canceled, undefined, undefined, error);
}

/** The code of a call whose signal aborted: its deadline's, or canceled (the client left). */
export function abandonedWith(signal: AbortSignal): Code.DeadlineExceeded | Code.Canceled {
  const reason: unknown = signal.reason;
  return reason instanceof ConnectError && reason.code === Code.DeadlineExceeded ? Code.DeadlineExceeded : Code.Canceled;
}

/**
 * Maps domain errors to RPC codes, including errors thrown mid-stream, and
 * hides anything unexpected behind INTERNAL (logged with the request id).
 * A call its client abandoned is CANCELED (or DEADLINE_EXCEEDED), logged at
 * debug: a burst of client resets must not read as server errors.
 */
export function errorInterceptor(logger: Logger): Interceptor {
  const map = (error: unknown, method: string, requestId: string | null, signal: AbortSignal): ConnectError => {
    const gone = clientGone(signal, error);
    if (gone) {
      logger.debug({ method, request_id: requestId, code: gone.code }, "client went away");
      return gone;
    }
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
            throw map(error, method, requestId, req.signal);
          }
        })(),
      };
    } catch (error) {
      throw map(error, method, requestId, req.signal);
    }
  };
}
