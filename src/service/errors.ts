// RPC errors in the style of AIP-193: a code, a message that names the field
// or resource, and machine-readable details (ErrorInfo, BadRequest). Domain
// errors map to codes in one table; the original error stays the ConnectError's
// cause, for the logs.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { DomainError, InvalidArgumentError, type ErrorKind } from "../domain/errors.js";

export const ERROR_DOMAIN = "agentruns.v1";

/** Every kind of domain error, and the status code it answers with. */
export const CODE_OF_KIND: Record<ErrorKind, Code> = {
  invalid_argument: Code.InvalidArgument,
  not_found: Code.NotFound,
  already_exists: Code.AlreadyExists,
  failed_precondition: Code.FailedPrecondition,
  resource_exhausted: Code.ResourceExhausted,
  unavailable: Code.Unavailable,
  aborted: Code.Aborted,
};

function errorInfo(reason: string, metadata: Record<string, string>) {
  return { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: ERROR_DOMAIN, metadata }) };
}

export function rpcError(code: Code, reason: string, message: string, metadata: Record<string, string> = {}): ConnectError {
  return new ConnectError(message, code, undefined, [errorInfo(reason, metadata)]);
}

export interface FieldViolation {
  field: string;
  description: string;
}

/** INVALID_ARGUMENT naming the offending field, with a BadRequest detail (listing `more` violations after it). */
export function invalidArgument(field: string, description: string, cause?: unknown, more: FieldViolation[] = []): ConnectError {
  const fieldViolations = [{ field, description }, ...more];
  return new ConnectError(
    `${field}: ${description}`,
    Code.InvalidArgument,
    undefined,
    [
      { desc: BadRequestSchema, value: create(BadRequestSchema, { fieldViolations }) },
      errorInfo("INVALID_ARGUMENT", { field }),
    ],
    cause,
  );
}

/**
 * Maps domain errors to RPC errors. Anything unexpected becomes INTERNAL with
 * a generic message: details go to the log, never the client.
 */
export function toRpcError(error: unknown): { error: ConnectError; unexpected: boolean } {
  if (error instanceof ConnectError) return { error, unexpected: false };
  if (error instanceof InvalidArgumentError) return { error: invalidArgument(error.field, error.description, error), unexpected: false };
  if (error instanceof DomainError) {
    const rpc = new ConnectError(error.publicMessage, CODE_OF_KIND[error.kind], undefined, [errorInfo(error.reason, error.metadata)], error);
    return { error: rpc, unexpected: false };
  }
  return { error: new ConnectError("internal error", Code.Internal, undefined, undefined, error), unexpected: true };
}
