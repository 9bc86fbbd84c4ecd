// The multitask decision: what a new run on a thread does about the runs
// already active there. A pure function of the strategy and the thread.
import type { CancelActionName, MultitaskStrategyName, RunRecord } from "../../domain/records.js";

export type Admission =
  /** reject, and the thread is busy: refuse the new run. */
  | { kind: "refuse" }
  /** reject, and the thread is free: claim it now (so that of two racing creates one is refused) and start. */
  | { kind: "claim" }
  /** interrupt / rollback: cancel these runs with `action`, then start the next queued run; enqueue: just queue. */
  | { kind: "queue"; cancel: readonly RunRecord[]; action: CancelActionName | null };

/** `active`: the thread's active runs, or for reject at least one of them if any (it only asks whether there is one), for enqueue none. */
export function admit(strategy: MultitaskStrategyName, active: readonly RunRecord[], threadHeld: boolean): Admission {
  switch (strategy) {
    case "reject":
      return active.length > 0 || threadHeld ? { kind: "refuse" } : { kind: "claim" };
    case "interrupt":
    case "rollback":
      return { kind: "queue", cancel: active, action: strategy };
    case "enqueue":
      return { kind: "queue", cancel: [], action: null };
  }
}
