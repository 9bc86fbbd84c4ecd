// The standard gRPC health service (grpc.health.v1.Health), for load
// balancers, Kubernetes gRPC probes and grpc-health-probe. The server ("")
// agentruns.v1.RunsService and ThreadsService share one status: SERVING while `isServing`
// says so (the store answers), else NOT_SERVING.
import { EventEmitter, on } from "node:events";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import { ThreadsService } from "../../gen/agentruns/v1/threads_pb.js";
import {
  Health,
  HealthCheckResponseSchema,
  HealthCheckResponse_ServingStatus as Status,
  HealthListResponseSchema,
} from "../../gen/grpc/health/v1/health_pb.js";

/** How often the status is re-checked while anyone watches. */
const WATCH_POLL_MS = 1000;

/**
 * One status for every caller. Watch is unauthenticated, so its cost must not
 * grow with the number of watchers: one loop asks `isServing` once per
 * interval while anyone watches and pushes changes to all of them, and
 * concurrent askers share one call in flight.
 */
class SharedStatus {
  private readonly changes = new EventEmitter().setMaxListeners(0);
  private last: { status: Status; at: number } | null = null;
  private inFlight: Promise<Status> | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly isServing: () => Promise<boolean>, private readonly intervalMs: number) {}

  /** The status, asked anew unless the last answer is younger than `maxAgeMs`. */
  get(maxAgeMs = 0): Promise<Status> {
    if (this.last && Date.now() - this.last.at < maxAgeMs) return Promise.resolve(this.last.status);
    this.inFlight ??= Promise.resolve()
      .then(() => this.isServing())
      .catch(() => false) // a rejection counts as not serving
      .then((serving) => {
        const status = serving ? Status.SERVING : Status.NOT_SERVING;
        const changed = this.last?.status !== status;
        this.last = { status, at: Date.now() };
        this.inFlight = null;
        if (changed) this.changes.emit("change", status);
        return status;
      });
    return this.inFlight;
  }

  /** Statuses as they change, until `signal` aborts; subscribes before the caller reads the current one. */
  watch(signal: AbortSignal): AsyncIterableIterator<[Status]> {
    const changes = on(this.changes, "change", { signal }) as AsyncIterableIterator<[Status]>;
    this.timer ??= setInterval(() => this.tick(), this.intervalMs).unref();
    return changes;
  }

  private tick(): void {
    if (this.changes.listenerCount("change") > 0) {
      void this.get();
    } else {
      // Nobody watches: no polling until someone does.
      clearInterval(this.timer!);
      this.timer = null;
    }
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
}

/**
 * @param isServing whether the service can serve now; a rejection counts as not serving.
 * @param services the service names reported besides "" (the whole server).
 */
export function healthRoutes(
  isServing: () => Promise<boolean>,
  services: string[] = [RunsService.typeName, ThreadsService.typeName],
  options: { watchPollMs?: number } = {},
): (router: ConnectRouter) => void {
  const known = new Set(["", ...services]);
  const intervalMs = options.watchPollMs ?? WATCH_POLL_MS;
  const shared = new SharedStatus(isServing, intervalMs);
  const response = (status: Status) => create(HealthCheckResponseSchema, { status });
  return (router) =>
    router.service(Health, {
      async check(request) {
        if (!known.has(request.service)) throw new ConnectError(`unknown service: ${request.service}`, Code.NotFound);
        return response(await shared.get());
      },
      async list() {
        const current = await shared.get();
        return create(HealthListResponseSchema, { statuses: Object.fromEntries([...known].map((name) => [name, response(current)])) });
      },
      async *watch(request, ctx) {
        if (!known.has(request.service)) {
          // SERVICE_UNKNOWN and the call stays open, as the protocol asks; the set of services is fixed.
          yield response(Status.SERVICE_UNKNOWN);
          return aborted(ctx.signal);
        }
        const changes = shared.watch(ctx.signal);
        // A watcher joining gets the loop's latest answer rather than a check of its own.
        let last = await shared.get(intervalMs);
        yield response(last);
        try {
          for await (const [now] of changes) if (now !== last) yield response((last = now));
        } catch (error) {
          if (!ctx.signal.aborted) throw error; // else the client went away (or the server is shutting down)
        }
      },
    });
}
