// The standard gRPC health service (grpc.health.v1.Health), for load
// balancers, Kubernetes gRPC probes and grpc-health-probe. The server ("")
// and agentruns.v1.RunsService share one status: SERVING while `isServing`
// says so (the store answers), else NOT_SERVING.
import { setTimeout as sleep } from "node:timers/promises";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as Status,
  HealthListResponseSchema,
} from "../../gen/grpc/health/v1/health_pb.js";

/** How often Watch re-checks `isServing`. */
const WATCH_POLL_MS = 1000;

/**
 * @param isServing whether the service can serve now; a rejection counts as not serving.
 * @param services the service names reported besides "" (the whole server).
 */
export function healthRoutes(
  isServing: () => Promise<boolean>,
  services: string[] = [RunsService.typeName],
): (router: ConnectRouter) => void {
  const known = new Set(["", ...services]);
  const status = async (): Promise<Status> => ((await isServing().catch(() => false)) ? Status.SERVING : Status.NOT_SERVING);
  return (router) =>
    router.service(Health, {
      async check(request) {
        if (!known.has(request.service)) throw new ConnectError(`unknown service: ${request.service}`, Code.NotFound);
        return create(HealthCheckResponseSchema, { status: await status() });
      },
      async list() {
        const current = await status();
        return create(HealthListResponseSchema, {
          statuses: Object.fromEntries([...known].map((name) => [name, create(HealthCheckResponseSchema, { status: current })])),
        });
      },
      async *watch(request, ctx) {
        // An unknown service gets SERVICE_UNKNOWN and the call stays open, as the
        // protocol asks; the set of services is fixed, so nothing follows.
        const isKnown = known.has(request.service);
        let last = isKnown ? await status() : Status.SERVICE_UNKNOWN;
        yield create(HealthCheckResponseSchema, { status: last });
        while (!ctx.signal.aborted) {
          try {
            await sleep(WATCH_POLL_MS, undefined, { signal: ctx.signal });
          } catch {
            return; // the client went away (or the server is shutting down)
          }
          if (!isKnown) continue;
          const now = await status();
          if (now !== last) {
            last = now;
            yield create(HealthCheckResponseSchema, { status: now });
          }
        }
      },
    });
}
