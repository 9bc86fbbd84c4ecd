// A server with the real reflection and health services next to a stand-in
// RunsService (the real one needs the whole app), for tests that drive those
// services with peers: grpcurl, grpc-js, a Connect client over gRPC.
import { EventEmitter } from "node:events";
import { create, fromJson, type JsonValue } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { afterAll, beforeAll } from "vitest";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { RunStatus, RunsService, file_agentruns_v1_runs, type StreamRunResponse } from "../../gen/agentruns/v1/runs_pb.js";
import { Health, file_grpc_health_v1_health } from "../../gen/grpc/health/v1/health_pb.js";
import { healthRoutes } from "../../src/server/health.js";
import { listen, type RequestHandler } from "../../src/server/listen.js";
import { reflectionRoutes } from "../../src/server/reflection.js";

export interface StandInServer {
  /** host:port */
  address: string;
  /** What health's readiness check answers (`serving`), and how many times it was asked (`polls`). */
  health: { serving: boolean; polls: number };
  /** Emits "end" each time a Health.Watch call the server serves is over. */
  watchEnds: EventEmitter;
  close(): Promise<void>;
}

/** A stand-in StreamRun: metadata, the input echoed back, end. */
async function* streamRun(request: { run?: { assistantId: string; input?: Record<string, JsonValue> } }): AsyncGenerator<StreamRunResponse> {
  const event = (eventId: bigint, kind: Record<string, unknown>) =>
    create(RunsService.method.streamRun.output, { payload: { case: "event", value: { eventId, kind: kind as never } } });
  yield event(1n, { case: "metadata", value: { runId: "r1", threadId: "t1", assistantId: request.run?.assistantId ?? "" } });
  yield event(2n, { case: "part", value: { data: fromJson(ValueSchema, request.run?.input ?? null) } });
  yield event(3n, { case: "end", value: { status: RunStatus.SUCCESS } });
}

/** The router, with the Health service's Watch announcing on `watchEnds` when it is over. */
function announcingWatchEnds(router: ConnectRouter, watchEnds: EventEmitter): ConnectRouter {
  const service = (desc: any, impl: any, options?: any) => {
    if (desc !== Health) return router.service(desc, impl, options);
    const watch = async function* (request: unknown, ctx: unknown) {
      try {
        yield* impl.watch(request, ctx);
      } finally {
        watchEnds.emit("end");
      }
    };
    return router.service(desc, { ...impl, watch }, options);
  };
  return Object.assign(Object.create(router) as ConnectRouter, { service });
}

export async function startStandInServer(): Promise<StandInServer> {
  const health = { serving: true, polls: 0 };
  const watchEnds = new EventEmitter();
  const handler = connectNodeAdapter({
    routes: (router: ConnectRouter) => {
      router.service(RunsService, { streamRun });
      reflectionRoutes([file_agentruns_v1_runs, file_grpc_health_v1_health])(router);
      healthRoutes(async () => {
        health.polls++;
        return health.serving;
      })(announcingWatchEnds(router, watchEnds));
    },
  });
  const listening = await listen(handler as RequestHandler, "127.0.0.1", 0);
  return {
    address: `127.0.0.1:${listening.port}`,
    health,
    watchEnds,
    close: async () => {
      const closed = listening.close();
      listening.destroy();
      await closed;
    },
  };
}

/** A stand-in server for the file's tests: started before them, closed after them; read its fields within a test. */
export function useStandInServer(): Omit<StandInServer, "close"> {
  let server: StandInServer | undefined;
  beforeAll(async () => {
    server = await startStandInServer();
  });
  afterAll(() => server?.close());
  const started = () => {
    if (!server) throw new Error("the stand-in server is started in beforeAll");
    return server;
  };
  return {
    get address() {
      return started().address;
    },
    get health() {
      return started().health;
    },
    get watchEnds() {
      return started().watchEnds;
    },
  };
}
