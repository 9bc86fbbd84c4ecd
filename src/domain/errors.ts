// Domain errors: each says what kind of failure it is (the transports map the
// kind to a status code in one table) and carries an AIP-193 reason and
// metadata for google.rpc.ErrorInfo. The message is safe to show a client.

export type ErrorKind =
  | "invalid_argument"
  | "not_found"
  | "already_exists"
  | "failed_precondition"
  | "resource_exhausted"
  | "unavailable"
  | "aborted";

export abstract class DomainError extends Error {
  abstract readonly kind: ErrorKind;
  /** UPPER_SNAKE_CASE, stable: clients branch on it. */
  abstract readonly reason: string;
  /** ErrorInfo metadata: the ids the error is about. */
  readonly metadata: Record<string, string>;

  constructor(message: string, metadata: Record<string, string> = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.metadata = metadata;
  }

  /** What a client may read; the message itself may hold internals (a driver's text). */
  get publicMessage(): string {
    return this.message;
  }
}

/** A request field that cannot be accepted; `field` is its snake_case path (AIP-193 BadRequest). */
export class InvalidArgumentError extends DomainError {
  readonly kind = "invalid_argument";
  readonly reason = "INVALID_ARGUMENT";
  constructor(readonly field: string, readonly description: string) {
    super(`${field}: ${description}`, { field });
  }
}

export class RunNotFoundError extends DomainError {
  readonly kind = "not_found";
  readonly reason = "RUN_NOT_FOUND";
  constructor(readonly runId: string) {
    super(`run "${runId}" not found`, { run_id: runId });
  }
}

export class ThreadNotFoundError extends DomainError {
  readonly kind = "not_found";
  readonly reason = "THREAD_NOT_FOUND";
  constructor(readonly threadId: string) {
    super(`thread "${threadId}" not found`, { thread_id: threadId });
  }
}

/** A checkpoint id that is not one of the thread's checkpoints (or was pruned). */
export class CheckpointNotFoundError extends DomainError {
  readonly kind = "not_found";
  readonly reason = "CHECKPOINT_NOT_FOUND";
  constructor(field: string, checkpointId: string, threadId: string) {
    super(`${field}: checkpoint "${checkpointId}" not found on thread "${threadId}"`, { checkpoint_id: checkpointId, thread_id: threadId });
  }
}

export class AssistantNotFoundError extends DomainError {
  readonly kind = "not_found";
  readonly reason = "ASSISTANT_NOT_FOUND";
  constructor(field: string, assistantId: string, known: string[]) {
    super(`${field}: assistant "${assistantId}" is not registered (known: ${known.join(", ")})`, { assistant_id: assistantId });
  }
}

export class FeedbackNotFoundError extends DomainError {
  readonly kind = "not_found";
  readonly reason = "FEEDBACK_NOT_FOUND";
  constructor(feedbackId: string, runId: string) {
    super(`feedback "${feedbackId}" not found on run "${runId}"`, { feedback_id: feedbackId, run_id: runId });
  }
}

/** A second feedback from the same user on the same run. */
export class FeedbackExistsError extends DomainError {
  readonly kind = "already_exists";
  readonly reason = "FEEDBACK_EXISTS";
  constructor(runId: string) {
    super(`run "${runId}" already has feedback from this user; delete it first`, { run_id: runId });
  }
}

export class ThreadBusyError extends DomainError {
  readonly kind = "failed_precondition";
  readonly reason = "THREAD_BUSY";
  /** `advice`: what the caller can do instead (a new run: another multitask strategy). */
  constructor(readonly threadId: string, advice = "use multitask_strategy interrupt, rollback or enqueue") {
    super(`thread ${threadId} already has an active run; ${advice}`, { thread_id: threadId });
  }
}

/** A state update on a thread no run has run on: which graph's reducers would apply is unknown. */
export class ThreadHasNoGraphError extends DomainError {
  readonly kind = "failed_precondition";
  readonly reason = "THREAD_HAS_NO_GRAPH";
  constructor(threadId: string) {
    super(`thread "${threadId}" has no run yet, so no graph to apply a state update with; run an assistant on it first`, { thread_id: threadId });
  }
}

export class RunNotActiveError extends DomainError {
  readonly kind = "failed_precondition";
  readonly reason = "RUN_NOT_ACTIVE";
  constructor(runId: string, status: string) {
    super(`run "${runId}" already ended (${status}); only pending or running runs can be cancelled`, { run_id: runId, status });
  }
}

/** DeleteRun of a run that has not ended: deleting it would pull the rows from under its execution. */
export class RunActiveError extends DomainError {
  readonly kind = "failed_precondition";
  readonly reason = "RUN_ACTIVE";
  constructor(runId: string, status: string) {
    super(`run "${runId}" is still ${status}; cancel it first (CancelRun), then delete it`, { run_id: runId, status });
  }
}

/** A thread that must have no pending or running run for the request (DeleteThread); same reason as ThreadBusyError. */
export class ThreadHasActiveRunError extends DomainError {
  readonly kind = "failed_precondition";
  readonly reason = "THREAD_BUSY";
  constructor(readonly threadId: string) {
    super(`thread "${threadId}" has a pending or running run; cancel it (CancelRun) or wait for it to end`, { thread_id: threadId });
  }
}

/** CreateThread of a taken id: the caller's own thread (if_exists RAISE), or any other user's. */
export class ThreadExistsError extends DomainError {
  readonly kind = "already_exists";
  readonly reason = "THREAD_EXISTS";
  constructor(readonly threadId: string) {
    super(`thread "${threadId}" already exists`, { thread_id: threadId });
  }
}

export class TooManyRunsError extends DomainError {
  readonly kind = "resource_exhausted";
  readonly reason = "TOO_MANY_RUNS";
  constructor(readonly limit: number) {
    super(`at most ${limit} active runs per user`, { limit: String(limit) });
  }
}

/**
 * Thrown by a bounded store when another active (pending or running) run would
 * not fit: active runs are never evicted, so the only way to stay bounded is
 * to refuse new ones until some finish.
 */
export class StoreFullError extends DomainError {
  readonly kind = "resource_exhausted";
  readonly reason = "STORE_FULL";
  constructor(readonly limit: number) {
    super(`the server already holds its maximum of ${limit} pending or running runs; retry once some finish`, { limit: String(limit) });
  }
}

/** Thrown by stores when a unique constraint refuses a write. */
export class DuplicateError extends DomainError {
  readonly kind = "already_exists";
  readonly reason = "ALREADY_EXISTS";
  constructor(what: string) {
    super(`duplicate ${what}`);
  }
}

/** Thrown by stores when the database cannot be reached in time. */
export class StoreUnavailableError extends DomainError {
  readonly kind = "unavailable";
  readonly reason = "STORE_UNAVAILABLE";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, {}, options);
  }
  override get publicMessage(): string {
    return "the database is unavailable; retry later";
  }
}

export class ShuttingDownError extends DomainError {
  readonly kind = "unavailable";
  readonly reason = "SHUTTING_DOWN";
  constructor(message = "the server is shutting down") {
    super(message);
  }
}

/** A WaitRun whose run a newer run rolled back (deleted). */
export class RunRolledBackError extends DomainError {
  readonly kind = "aborted";
  readonly reason = "RUN_ROLLED_BACK";
  constructor(runId: string) {
    super(`run "${runId}" was rolled back by a newer run`, { run_id: runId });
  }
}

/** The abort reason of a run that exceeded its time limit: it ends RUN_STATUS_TIMEOUT. */
export class RunTimedOutError extends Error {
  constructor(readonly seconds: number) {
    super(`the run exceeded its time limit of ${seconds} s`);
    this.name = "RunTimeout";
  }
}

/** The abort reason of a run stopped by CancelRun, a newer run or the drain. */
export class RunCancelledError extends DomainError {
  readonly kind = "aborted";
  readonly reason = "RUN_CANCELLED";
  constructor(readonly action: "interrupt" | "rollback") {
    super(`run cancelled (${action})`);
  }
}

/** A run asks for a webhook, but the server has no secret to sign it with: it would go out unsigned. */
export class WebhookSecretUnsetError extends DomainError {
  readonly kind = "failed_precondition";
  readonly reason = "WEBHOOK_SECRET_UNSET";
  constructor() {
    super("run.webhook: this server has no --webhook-secret, so it sends no webhooks (they would go out unsigned)", { field: "run.webhook" });
  }
}
