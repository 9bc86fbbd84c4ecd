// RPC errors in the style of AIP-193: a code, a message that names the field
// or resource, and machine-readable details (ErrorInfo, BadRequest).
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import {
  RunCancelledError,
  ShuttingDownError,
  ThreadBusyError,
  ThreadNotFoundError,
  TooManyRunsError,
} from "../runtime/errors.js";
import { DuplicateError, StoreFullError, StoreUnavailableError } from "../stores/types.js";

export const ERROR_DOMAIN = "agentruns.v1";

export function rpcError(code: Code, reason: string, message: string, metadata: Record<string, string> = {}): ConnectError {
  return new ConnectError(message, code, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: ERROR_DOMAIN, metadata }) },
  ]);
}

/** INVALID_ARGUMENT naming the offending field, with a BadRequest detail. */
export function invalidArgument(field: string, description: string): ConnectError {
  return new ConnectError(`${field}: ${description}`, Code.InvalidArgument, undefined, [
    { desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations: [{ field, description }] }) },
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason: "INVALID_ARGUMENT", domain: ERROR_DOMAIN, metadata: { field } }) },
  ]);
}

export function runNotFound(runId: string): ConnectError {
  return rpcError(Code.NotFound, "RUN_NOT_FOUND", `run "${runId}" not found`, { run_id: runId });
}

/**
 * Maps domain and store errors to RPC errors. Anything unexpected becomes
 * INTERNAL with a generic message: details go to the log, never the client.
 */
export function toRpcError(error: unknown): { error: ConnectError; unexpected: boolean } {
  if (error instanceof ConnectError) return { error, unexpected: false };
  if (error instanceof ThreadNotFoundError) {
    return { error: rpcError(Code.NotFound, "THREAD_NOT_FOUND", `thread "${error.threadId}" not found`, { thread_id: error.threadId }), unexpected: false };
  }
  if (error instanceof ThreadBusyError) {
    return { error: rpcError(Code.FailedPrecondition, "THREAD_BUSY", error.message, { thread_id: error.threadId }), unexpected: false };
  }
  if (error instanceof TooManyRunsError) {
    return { error: rpcError(Code.ResourceExhausted, "TOO_MANY_RUNS", error.message, { limit: String(error.limit) }), unexpected: false };
  }
  if (error instanceof ShuttingDownError) return { error: rpcError(Code.Unavailable, "SHUTTING_DOWN", error.message), unexpected: false };
  if (error instanceof RunCancelledError) return { error: rpcError(Code.Aborted, "RUN_CANCELLED", error.message), unexpected: false };
  if (error instanceof StoreUnavailableError) {
    return { error: rpcError(Code.Unavailable, "STORE_UNAVAILABLE", "the database is unavailable; retry later"), unexpected: false };
  }
  if (error instanceof StoreFullError) {
    return { error: rpcError(Code.ResourceExhausted, "STORE_FULL", error.message, { limit: String(error.limit) }), unexpected: false };
  }
  if (error instanceof DuplicateError) return { error: rpcError(Code.AlreadyExists, "ALREADY_EXISTS", error.message), unexpected: false };
  return { error: new ConnectError("internal error", Code.Internal), unexpected: true };
}
