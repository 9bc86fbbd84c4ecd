import { create } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { EventGapSchema, type RunsService } from "../../../gen/agentruns/v1/runs_pb.js";
import { authorize } from "../../auth/caller.js";
import { loadRun, setRunHeaders, type ServiceDeps } from "../deps.js";
import { runEvents } from "../stream.js";
import { parseLastEventId } from "../validate.js";

export function joinRun(deps: ServiceDeps): ServiceImpl<typeof RunsService>["joinRun"] {
  return async function* (req, ctx) {
    const caller = authorize(ctx, "runs:read");
    const lastEventId = parseLastEventId(req.lastEventId);
    const run = await loadRun(deps, "run_id", req.runId, caller);
    setRunHeaders(ctx, run);
    if (lastEventId > 0) {
      // The id must be one of this run's events; otherwise say where replay starts.
      // The first event at or after it: either that very event, or the first one still stored after it.
      const [at] = await deps.stores.events.listRunEvents(run.runId, lastEventId - 1, 1);
      if (!at || at.seq !== lastEventId) {
        yield {
          payload: {
            case: "gap",
            value: create(EventGapSchema, { lastEventId: BigInt(lastEventId), firstAvailableEventId: BigInt(at?.seq ?? 0) }),
          },
        };
      }
    }
    for await (const payload of runEvents(deps, run, lastEventId, ctx, false)) yield { payload };
  };
}
