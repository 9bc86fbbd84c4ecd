// A run's place in its trace, as plain data every replica can compute: the
// W3C traceparent kept with the run (the RPC span that created it) and the id
// of the run's own span, derived from the run id so that JoinRun and AwaitRun
// on any replica can link to the run span without another store read.
import { createHash } from "node:crypto";

export interface TraceParent {
  traceId: string;
  /** The span the traceparent names: the RPC that created the run. */
  spanId: string;
  sampled: boolean;
}

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** The parts of a version-00 traceparent, or null for anything else (all-zero ids are invalid). */
export function parseTraceParent(value: string | undefined): TraceParent | null {
  const match = value ? TRACEPARENT.exec(value) : null;
  if (!match || match[1] === ZERO_TRACE || match[2] === ZERO_SPAN) return null;
  return { traceId: match[1]!, spanId: match[2]!, sampled: (parseInt(match[3]!, 16) & 1) === 1 };
}

export function formatTraceParent(traceId: string, spanId: string, sampled: boolean): string {
  return `00-${traceId}-${spanId}-${sampled ? "01" : "00"}`;
}

/**
 * The span id of a run's span: the first 8 bytes of SHA-256 of the run id.
 * A run executes once (a run whose replica died is ended, not re-run), so the
 * id names one span; a collision with another span of the same trace would
 * need two equal 64-bit hashes.
 */
export function runSpanId(runId: string): string {
  const id = createHash("sha256").update(runId).digest("hex").slice(0, 16);
  return id === ZERO_SPAN ? "0000000000000001" : id;
}
