import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { EventGapSchema, type RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { callerOf } from "../../auth/caller.js";
import { setRunHeaders, type ServiceDeps } from "../deps.js";
import { streamPayloads } from "../stream.js";
import { safeNumber } from "../validate.js";

export function joinRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["joinRun"] {
  return async function* (req, ctx) {
    const lastEventId = req.lastEventId === undefined ? 0 : safeNumber("last_event_id", req.lastEventId);
    const runId = req.runId;
    const { run, gap, events } = await deps.app.runs.join(runId, lastEventId, callerOf(ctx).userId, ctx.signal);
    setRunHeaders(ctx, run);
    if (gap) {
      const value = create(EventGapSchema, { lastEventId: BigInt(lastEventId), firstAvailableEventId: BigInt(gap.firstAvailable) });
      yield { payload: { case: "gap", value } };
    }
    yield* streamPayloads(deps, events);
  };
}
