// Binary search over rows kept ascending by seq (memory store, run caches).
import type { StoredEvent } from "./events.js";

/** Index of the first row with seq > afterSeq. */
export function firstAfter(rows: readonly StoredEvent[], afterSeq: number): number {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (rows[mid]!.seq <= afterSeq) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** At most `limit` rows with seq > afterSeq. */
export function sliceAfter<T extends StoredEvent>(rows: readonly T[], afterSeq: number, limit: number): T[] {
  const start = firstAfter(rows, afterSeq);
  return rows.slice(start, start + limit);
}
