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

/**
 * The span id of a run's span: the first 8 bytes of SHA-256 of the run id,
 * and for each resumption after a drain's hand-over (`attempt` 1, 2, ...) of
 * "<run id>:<attempt>", so every attempt's span has an id of its own; links
 * from JoinRun and AwaitRun name the first. A collision with another span of
 * the same trace would need two equal 64-bit hashes.
 */
export function runSpanId(runId: string, attempt = 0): string {
  const id = createHash("sha256").update(attempt === 0 ? runId : `${runId}:${attempt}`).digest("hex").slice(0, 16);
  return id === ZERO_SPAN ? "0000000000000001" : id;
}

/** `value` cut to `max` characters: span names and attributes stay bounded whatever a client sent. */
export function bounded(value: string, max = 128): string {
  return value.length > max ? value.slice(0, max) : value;
}

/** The attributes every span about a run carries, each bounded. */
export function runAttributes(run: { runId: string; threadId: string; assistantId: string }): Record<string, string> {
  return { run_id: bounded(run.runId), thread_id: bounded(run.threadId), assistant_id: bounded(run.assistantId) };
}
