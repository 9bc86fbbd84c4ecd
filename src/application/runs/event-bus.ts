// Wakes in-process readers of a run's events as soon as a local writer
// appended some. Readers on other replicas poll the store instead; a version
// counter per run closes the gap between "read the store" and "start waiting".
export class EventBus {
  private readonly versions = new Map<string, number>();
  private readonly waiters = new Map<string, Set<() => void>>();

  version(runId: string): number {
    return this.versions.get(runId) ?? 0;
  }

  notify(runId: string): void {
    this.versions.set(runId, this.version(runId) + 1);
    const waiting = this.waiters.get(runId);
    if (!waiting) return;
    this.waiters.delete(runId);
    for (const wake of waiting) wake();
  }

  /** Forgets a finished run once its last events were announced. */
  forget(runId: string): void {
    this.notify(runId);
    this.versions.delete(runId);
  }

  /**
   * Resolves when the run's version moves past `seen`, after `timeoutMs`, or
   * when `signal` aborts, whichever comes first. Returns whether it was woken.
   */
  wait(runId: string, seen: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (this.version(runId) !== seen) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      let set = this.waiters.get(runId);
      if (!set) this.waiters.set(runId, (set = new Set()));
      const done = (woken: boolean) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.waiters.get(runId)?.delete(wake);
        resolve(woken);
      };
      const wake = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), timeoutMs);
      set.add(wake);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}
