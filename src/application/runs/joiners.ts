// Caps on the JoinRun streams open on this replica, per run and per user: each
// costs a tail, its buffers and a socket, and 2,000 on one run once took 1.5 GB.
// Counted in process: every replica bounds its own share.
import { DomainError } from "../../domain/errors.js";

export class TooManyJoinersError extends DomainError {
  readonly kind = "resource_exhausted";
  readonly reason = "TOO_MANY_JOINERS";
  constructor(scope: "run" | "user", limit: number, runId: string) {
    const message = scope === "run" ? `run "${runId}" already has ${limit} JoinRun streams open` : `at most ${limit} JoinRun streams open per user`;
    super(`${message}; retry once some end`, { scope, limit: String(limit), run_id: runId });
  }
}

export class Joiners {
  private readonly byRun = new Map<string, number>();
  private readonly byUser = new Map<string, number>();

  constructor(private readonly maxPerRun: number, private readonly maxPerUser: number) {}

  /** Counts one more joiner of `runId` for `userId`, or throws TooManyJoinersError; the returned release may be called any number of times. */
  enter(runId: string, userId: string): () => void {
    if ((this.byRun.get(runId) ?? 0) >= this.maxPerRun) throw new TooManyJoinersError("run", this.maxPerRun, runId);
    if ((this.byUser.get(userId) ?? 0) >= this.maxPerUser) throw new TooManyJoinersError("user", this.maxPerUser, runId);
    bump(this.byRun, runId, 1);
    bump(this.byUser, userId, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      bump(this.byRun, runId, -1);
      bump(this.byUser, userId, -1);
    };
  }

  /** Open joiners of a run, or of a user. */
  count(scope: "run" | "user", id: string): number {
    return (scope === "run" ? this.byRun : this.byUser).get(id) ?? 0;
  }
}

/** Keeps only non-zero counts, so the maps hold just the runs and users with open streams. */
function bump(counts: Map<string, number>, key: string, by: number): void {
  const next = (counts.get(key) ?? 0) + by;
  if (next > 0) counts.set(key, next);
  else counts.delete(key);
}
