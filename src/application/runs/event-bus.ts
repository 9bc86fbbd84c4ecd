// Wakes in-process readers of a run's events as soon as a local writer
// appended some. Readers on other replicas poll the store instead; a version
// counter per run closes the gap between "read the store" and "start waiting".
// Versions of runs nobody waits on and nobody notified for a while are
// dropped, so the map holds the runs being written here, not every run ever
// notified (queued runs started elsewhere, reaped runs); a reader whose
// version was dropped simply wakes once and reads again.

/** A run's version is forgotten once nobody waits on it and it was last notified this long ago. */
const IDLE_MS = 60_000;
/** How often (in notifications) idle versions are swept. */
const SWEEP_EVERY = 1_000;

export class EventBus {
  private readonly versions = new Map<string, { version: number; at: number }>();
  private readonly waiters = new Map<string, Set<() => void>>();
  private notifications = 0;

  version(runId: string): number {
    return this.versions.get(runId)?.version ?? 0;
  }

  /** How many runs have a version kept (bounded by what was notified within IDLE_MS). */
  get size(): number {
    return this.versions.size;
  }

  notify(runId: string, now = Date.now()): void {
    this.versions.set(runId, { version: this.version(runId) + 1, at: now });
    if (++this.notifications % SWEEP_EVERY === 0) this.sweep(now);
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

  /** Drops versions of runs nobody waits on that were not notified for IDLE_MS. */
  sweep(now = Date.now()): void {
    for (const [runId, { at }] of this.versions) {
      if (now - at > IDLE_MS && !this.waiters.has(runId)) this.versions.delete(runId);
    }
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
        const waiting = this.waiters.get(runId);
        waiting?.delete(wake);
        if (waiting?.size === 0) this.waiters.delete(runId);
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
