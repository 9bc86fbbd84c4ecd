// Where a rollback returns a thread to: the checkpoint that was the thread's
// latest when its run started. LangGraph loads exactly that checkpoint when a
// run begins (getTuple on the thread's root namespace, no checkpoint id), so
// the checkpointer the graphs are compiled with notes what that read returned
// for each run that asked; the run pays no read of its own for a base it
// needs only in the rare case it is rolled back.
import type { BaseCheckpointSaver } from "@langchain/langgraph";

/** The base of one run: `read` false when LangGraph never loaded the thread (so the run wrote nothing to undo). */
export type RunBase = { read: false } | { read: true; checkpointId: string | null };

interface RunConfig {
  configurable?: { run_id?: unknown; checkpoint_ns?: unknown; checkpoint_id?: unknown };
}

export class RunBases {
  /** Runs being watched: undefined until LangGraph's first load of their thread, then what it returned (undefined if it failed). */
  private readonly watched = new Map<string, Promise<string | null | undefined> | undefined>();

  /** Starts noting the base of run `runId` (before its graph is called). */
  watch(runId: string): void {
    this.watched.set(runId, undefined);
  }

  /** The run's base, once any load of it in flight has answered; stops watching the run. */
  async take(runId: string): Promise<RunBase> {
    const loaded = this.watched.get(runId);
    this.watched.delete(runId);
    const checkpointId = await loaded;
    // A failed load: LangGraph ran nothing and wrote nothing.
    return checkpointId === undefined ? { read: false } : { read: true, checkpointId };
  }

  /** `saver`, noting the first root load of each watched run's thread. */
  noting(saver: BaseCheckpointSaver): BaseCheckpointSaver {
    return new Proxy(saver, {
      get: (target, key) => {
        const value: unknown = Reflect.get(target, key, target);
        if (typeof value !== "function") return value;
        if (key !== "getTuple") return value.bind(target);
        return (config: RunConfig) => {
          const answer = (value as BaseCheckpointSaver["getTuple"]).call(target, config as never);
          const runId = this.baseLoadOf(config);
          if (runId !== null) this.watched.set(runId, answer.then((tuple) => (tuple?.config.configurable?.["checkpoint_id"] as string | undefined) ?? null, () => undefined));
          return answer;
        };
      },
    });
  }

  /** The watched run whose base `config` loads (the thread's latest, root namespace), or null. */
  private baseLoadOf(config: RunConfig): string | null {
    const configurable = config.configurable ?? {};
    const runId = configurable.run_id;
    if (typeof runId !== "string" || !this.watched.has(runId) || this.watched.get(runId) !== undefined) return null;
    if ((configurable.checkpoint_ns ?? "") !== "" || configurable.checkpoint_id !== undefined) return null;
    return runId;
  }
}
