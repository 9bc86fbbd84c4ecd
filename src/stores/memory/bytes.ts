// The memory store's byte bound (--memory-max-bytes). A run's size is the JSON
// length of what is stored for it (its record once at insert, each batch of
// events and messages as it is appended): measured once, never re-walked, and
// close to what V8 holds for it (ASCII strings take a byte a character). The
// checkpointer's bytes count too (a 1 MiB input stores about 8 MiB of
// checkpoints), but belong to threads: they go when a thread's last run does.
import { StoreFullError } from "../../domain/errors.js";

export class ByteBudget {
  private readonly perRun = new Map<string, number>();
  private runBytes = 0;

  /** `external`: bytes held elsewhere that eviction frees (the checkpointer's). */
  constructor(readonly max: number, private readonly external: () => number = () => 0) {}

  get total(): number {
    return this.runBytes + this.external();
  }

  over(): boolean {
    return this.total > this.max;
  }

  add(runId: string, bytes: number): void {
    if (!Number.isFinite(this.max)) return;
    this.perRun.set(runId, (this.perRun.get(runId) ?? 0) + bytes);
    this.runBytes += bytes;
  }

  /** Forgets a run that is gone (evicted or deleted). */
  drop(runId: string): void {
    const bytes = this.perRun.get(runId);
    if (bytes === undefined) return;
    this.perRun.delete(runId);
    this.runBytes -= bytes;
  }

  of(runId: string): number {
    return this.perRun.get(runId) ?? 0;
  }
}

/**
 * About the JSON length of `value` (within a few percent), from one walk that
 * allocates nothing: JSON.stringify gave the exact length but cost ~10x as
 * much, a whole serialization of every stored batch on the streaming path.
 */
export function sizeOf(value: unknown): number {
  let total = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === "string") total += v.length + 2;
    else if (typeof v === "number") total += 8;
    else if (typeof v === "boolean") total += 5;
    else if (v === null) total += 4;
    else if (v instanceof Date) total += 26;
    else if (Array.isArray(v)) {
      total += 2 + v.length;
      for (const item of v) stack.push(item);
    } else if (typeof v === "object") {
      for (const key in v) {
        total += key.length + 4;
        stack.push((v as Record<string, unknown>)[key]);
      }
    }
  }
  return total;
}

/** Pending and running runs alone hold the byte bound: refused like the run bound (RESOURCE_EXHAUSTED, STORE_FULL). */
export class StoreBytesFullError extends StoreFullError {
  constructor(maxBytes: number) {
    super(maxBytes);
    this.message = `the server's memory store already holds its maximum of ${maxBytes} bytes in pending or running runs; retry once some finish`;
    this.metadata["limit"] = String(maxBytes);
    this.metadata["unit"] = "bytes";
  }
}
