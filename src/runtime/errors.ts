// Domain errors of the runtime. The service layer maps them to RPC codes
// (src/service/errors.ts); the runtime itself knows nothing of transports.

export class ThreadNotFoundError extends Error {
  constructor(readonly threadId: string) {
    super(`thread ${threadId} not found`);
    this.name = "ThreadNotFoundError";
  }
}

export class ThreadBusyError extends Error {
  constructor(readonly threadId: string) {
    super(`thread ${threadId} already has an active run; use multitask_strategy interrupt, rollback or enqueue`);
    this.name = "ThreadBusyError";
  }
}

export class TooManyRunsError extends Error {
  constructor(readonly limit: number) {
    super(`at most ${limit} active runs per user`);
    this.name = "TooManyRunsError";
  }
}

export class ShuttingDownError extends Error {
  constructor() {
    super("the server is shutting down");
    this.name = "ShuttingDownError";
  }
}

/** The abort reason of a run stopped by CancelRun or a newer run. */
export class RunCancelledError extends Error {
  constructor(readonly action: "interrupt" | "rollback") {
    super(`run cancelled (${action})`);
    this.name = "RunCancelledError";
  }
}
