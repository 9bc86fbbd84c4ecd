// Errors as the HTTP APIs answer them: the status LangGraph's servers and
// DeerFlow's gateway use for each kind (422 for a bad request, 404 for a run
// or thread that is not the caller's, 409 for a busy thread), and a JSON
// body `{"detail": "<field>: <what is wrong>"}` the SDKs surface as is.
// Anything unexpected is a 500 that says only that; the log has the rest.
import { Code, ConnectError } from "@connectrpc/connect";
import { DomainError } from "../domain/errors.js";
import { CODE_OF_KIND } from "../service/errors.js";

/** A refusal decided by the HTTP adapter itself (a bad path parameter, an unsupported field). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

/** 422 naming the field, the shape every bad request gets. */
export const unprocessable = (field: string, description: string) => new HttpError(422, `${field}: ${description}`);

const STATUS_OF_CODE: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 422,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.FailedPrecondition]: 409,
  [Code.Aborted]: 409,
  [Code.ResourceExhausted]: 429,
  [Code.Unavailable]: 503,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.DeadlineExceeded]: 504,
  [Code.Canceled]: 499,
};

/**
 * The RPC decoding this adapter shares names fields from the RPC request
 * (`run.input.messages[0]`); the HTTP body is the run itself (`input.messages[0]`).
 */
function bodyField(message: string): string {
  return message.replace(/^run\./, "").replace(/(\W)run\./g, "$1");
}

export interface HttpFailure {
  status: number;
  body: { detail: string };
  /** Not a refusal the caller caused: log it with its stack. */
  unexpected: boolean;
}

export function httpFailure(error: unknown): HttpFailure {
  if (error instanceof HttpError) return { status: error.status, body: { detail: error.detail }, unexpected: false };
  // A domain error answers the status of the code the RPCs give it: one table per protocol, not one per kind.
  if (error instanceof DomainError) return { status: STATUS_OF_CODE[CODE_OF_KIND[error.kind]]!, body: { detail: bodyField(error.publicMessage) }, unexpected: false };
  if (error instanceof ConnectError && STATUS_OF_CODE[error.code] !== undefined) {
    return { status: STATUS_OF_CODE[error.code]!, body: { detail: bodyField(error.rawMessage) }, unexpected: false };
  }
  return { status: 500, body: { detail: "internal error" }, unexpected: true };
}
