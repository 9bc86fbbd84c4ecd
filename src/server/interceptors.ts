// Server interceptors: who is calling, and errors a client may see.
import { ConnectError, type Interceptor } from "@connectrpc/connect";
import type { Logger } from "pino";
import { callerKey, type Caller } from "../auth/caller.js";
import { toRpcError } from "../service/errors.js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";

/** Resolves the caller from request headers; null means no valid credentials. */
export type Authenticator = (headers: Headers) => Promise<Caller | null>;

/**
 * Services anyone may call (probes, tooling). Credentials sent to them are not
 * even checked: a stale or garbage token (or a slow JWKS fetch) must never
 * fail a health probe, and these handlers never ask who is calling.
 */
export const PUBLIC_SERVICES: ReadonlySet<string> = new Set([Health.typeName, ServerReflection.typeName, ServerReflectionV1Alpha.typeName]);

export function authInterceptor(authenticate: Authenticator, publicServices = PUBLIC_SERVICES): Interceptor {
  return (next) => async (req) => {
    if (publicServices.has(req.service.typeName)) return next(req);
    const caller = await authenticate(req.header);
    if (caller) req.contextValues.set(callerKey, caller);
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
