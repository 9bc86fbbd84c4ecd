// Reading StreamRun and JoinRun responses as events: the filters and checks
// that test files used to write again each time.
import { expect } from "vitest";
import type { JoinRunResponse, RunEvent, RunMetadata, RunStatus, StreamRunResponse } from "../../gen/agentruns/v1/runs_pb.js";

export type RunResponse = StreamRunResponse | JoinRunResponse;
export type EventKind = RunEvent["kind"]["case"];

/** The events among the responses, in order (heartbeats and gaps left out). */
export function events(responses: readonly RunResponse[]): RunEvent[] {
  return responses.flatMap((r) => (r.payload.case === "event" ? [r.payload.value] : []));
}

/** The ids of the events among the responses, in order. */
export function eventIds(responses: readonly RunResponse[]): bigint[] {
  return events(responses).map((e) => e.eventId);
}

/** The kind of each event among the responses: "metadata", "part", "error", "end". */
export function kinds(responses: readonly RunResponse[]): EventKind[] {
  return events(responses).map((e) => e.kind.case);
}

/** The status of the end event the responses finish with; undefined if the last response is not an end event. */
export function endStatus(responses: readonly RunResponse[]): RunStatus | undefined {
  const last = responses.at(-1)?.payload;
  return last?.case === "event" && last.value.kind.case === "end" ? last.value.kind.value.status : undefined;
}

/** The metadata of a response or event (the run and thread ids); undefined if it is not a metadata event. */
export function metadataOf(item: RunResponse | RunEvent | undefined): RunMetadata | undefined {
  const event = item && "payload" in item ? (item.payload.case === "event" ? item.payload.value : undefined) : item;
  return event?.kind.case === "metadata" ? event.kind.value : undefined;
}

/** Fails unless every id is greater than the one before it. */
export function expectStrictlyIncreasing(ids: readonly bigint[]): void {
  const offenders = ids.flatMap((id, i) => (i > 0 && !(id > ids[i - 1]!) ? [`${ids[i - 1]} then ${id} at ${i}`] : []));
  expect(offenders, `ids not strictly increasing: ${ids.join(", ")}`).toEqual([]);
}
