// Stops runs and waits for them: a pending run is marked interrupted where it
// stands; a running one is aborted here, or flagged for the replica that owns
// it (which sees the flag at its next lease renewal).
import type { CancelActionName, RunRecord } from "../../domain/records.js";
import { TERMINAL_STATUSES } from "../../domain/records.js";
import type { RunsContext } from "./context.js";
import type { Finisher } from "./finisher.js";
import type { LiveRun } from "./live-runs.js";

export class Canceller {
  constructor(
    private readonly ctx: RunsContext,
    private readonly finisher: Finisher,
  ) {}

  /** Stops a pending or running run; returns it afterwards (null once rolled back). */
  async cancel(run: RunRecord, action: CancelActionName, wait: boolean, signal?: AbortSignal): Promise<RunRecord | null> {
    const { stores, live } = this.ctx;
    if (run.status === "pending") {
      const stopped = await stores.runs.update(run.runId, { status: "interrupted", updatedAt: new Date() }, ["pending"]);
      if (stopped) {
        await this.finisher.record(stopped, action);
        return action === "rollback" ? null : stopped;
      }
      run = (await stores.runs.get(run.runId)) ?? run;
    }
    if (run.status === "running") {
      const local = live.get(run.runId);
      if (local) live.stop(local, action);
      else await stores.runs.update(run.runId, { cancelRequested: action }, ["running"]);
      if (wait) return this.waitForEnd(run.runId, signal);
    }
    return stores.runs.get(run.runId);
  }

  /** Resolves with the run once it is terminal (null if it was deleted). */
  async waitForEnd(runId: string, signal?: AbortSignal): Promise<RunRecord | null> {
    const { stores, bus, live, options } = this.ctx;
    // A run executing here answers from memory once recorded: no read before, none after.
    const here = live.get(runId);
    if (here) {
      await Promise.race([here.recorded, abortPromise(signal)]);
      if (here.final) return here.final;
    }
    let pollMs = options.pollMinMs;
    let awaited: LiveRun | undefined;
    for (;;) {
      const seen = bus.version(runId);
      const run = await stores.runs.get(runId);
      if (!run || TERMINAL_STATUSES.includes(run.status)) return run;
      if (signal?.aborted) throw signal.reason;
      const local = live.get(runId);
      // A live run's done promise is awaited once: should it settle with the
      // run still listed and not terminal, waiting on it again would be a
      // microtask loop that starves the event loop; the bus poll is not.
      if (local && local !== awaited) {
        awaited = local;
        await Promise.race([local.done, abortPromise(signal)]);
        continue;
      }
      const woken = await bus.wait(runId, seen, pollMs, signal);
      pollMs = woken ? options.pollMinMs : Math.min(pollMs * 2, options.pollMaxMs);
    }
  }
}

function abortPromise(signal: AbortSignal | undefined): Promise<never> {
  if (!signal) return new Promise(() => {});
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}
