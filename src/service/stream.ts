// Shared by StreamRun and JoinRun: a run's events, as protobuf payloads, with
// heartbeats on idle; counted for the metrics.
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { HeartbeatSchema, type Heartbeat, type RunEvent } from "../../gen/agentruns/v1/runs_pb.js";
import type { TailItem } from "../application/index.js";
import { eventToProto } from "./convert.js";
import type { ServiceDeps } from "./deps.js";

export type StreamPayload = { case: "event"; value: RunEvent } | { case: "heartbeat"; value: Heartbeat };

/** The responses of StreamRun and JoinRun (both are `{ payload }`), for the handler to `yield*`. */
export async function* streamPayloads(deps: ServiceDeps, items: AsyncIterable<TailItem>): AsyncGenerator<{ payload: StreamPayload }> {
  deps.streams.open++;
  try {
    for await (const item of items) {
      if (item.type === "heartbeat") {
        yield { payload: { case: "heartbeat", value: create(HeartbeatSchema, { time: timestampNow() }) } };
        continue;
      }
      deps.eventsSent?.inc();
      yield { payload: { case: "event", value: eventToProto(item.event) } };
    }
  } finally {
    deps.streams.open--;
  }
}
