// Shared by StreamRun and JoinRun: a run's stored events, then live ones,
// with heartbeats on idle, as protobuf payloads.
import type { HandlerContext } from "@connectrpc/connect";
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { HeartbeatSchema, type Heartbeat, type RunEvent } from "../../gen/agentruns/v1/runs_pb.js";
import type { RunRecord } from "../stores/types.js";
import type { ServiceDeps } from "./deps.js";
import { eventToProto } from "./convert.js";

export type StreamPayload = { case: "event"; value: RunEvent } | { case: "heartbeat"; value: Heartbeat };

export async function* runEvents(
  deps: ServiceDeps,
  run: RunRecord,
  afterSeq: number,
  ctx: HandlerContext,
  cancelOnDisconnect: boolean,
): AsyncGenerator<StreamPayload> {
  let ended = false;
  deps.streams.open++;
  try {
    for await (const item of deps.runtime.tail(run.runId, afterSeq, deps.heartbeatMs, ctx.signal)) {
      if (item.type === "heartbeat") {
        yield { case: "heartbeat", value: create(HeartbeatSchema, { time: timestampNow() }) };
        continue;
      }
      if (item.event.kind === "end") ended = true;
      deps.eventsSent?.inc();
      yield { case: "event", value: eventToProto(item.event) };
    }
  } finally {
    deps.streams.open--;
    if (!ended && cancelOnDisconnect && ctx.signal.aborted) {
      const current = await deps.stores.runs.get(run.runId).catch(() => null);
      if (current) await deps.runtime.cancel(current, "interrupt", false).catch(() => undefined);
    }
  }
}
