// The ceiling for agent-runs' own RPC path: the same server stack (the
// project's listen() with h2c/HTTP-1.1 sniffing, its httpHandler, and
// connect-node's adapter) serving RunsService with handlers that do no work:
//   GetRun     answers a constant run (the unary echo)
//   StreamRun  yields `context.count` custom events shaped like agent-runs'
//              (metadata first, end last), each stamped with its emit time,
//              optionally `context.interval_ms` apart (the server-stream echo)
// The same handlers are also served by a plain node:http2 server (h2c only, no
// preface sniffing) on a second port, to price listen()'s sniffing for gRPC.
// Started by run.ts as its own process; prints its URLs as a JSON log line.
import http2 from "node:http2";
import { create, fromJson } from "@bufbuild/protobuf";
import { timestampNow, ValueSchema } from "@bufbuild/protobuf/wkt";
import type { ConnectRouter } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { RunEventSchema, RunSchema, RunsService, RunStatus, StreamMode } from "../gen/agentruns/v1/runs_pb.js";
import { httpHandler } from "../src/server/http.js";
import { listen, type RequestHandler } from "../src/server/listen.js";

const RUN = create(RunSchema, {
  runId: "00000000-0000-4000-8000-000000000000",
  threadId: "00000000-0000-4000-8000-000000000001",
  assistantId: "echo",
  status: RunStatus.SUCCESS,
  userId: "local",
  createTime: timestampNow(),
  updateTime: timestampNow(),
});

function now(): number {
  return performance.timeOrigin + performance.now();
}

function routes(router: ConnectRouter) {
  router.service(RunsService, {
    async getRun() {
      return { run: RUN };
    },
    async *streamRun(req) {
      const context = (req.run?.context ?? {}) as Record<string, unknown>;
      const count = Math.max(0, Math.trunc(Number(context["count"] ?? 1)) || 0);
      const intervalMs = Math.max(0, Number(context["interval_ms"] ?? 0) || 0);
      let eventId = 1n;
      yield {
        payload: {
          case: "event",
          value: create(RunEventSchema, { eventId: eventId++, kind: { case: "metadata", value: { runId: RUN.runId, threadId: RUN.threadId, assistantId: "echo" } } }),
        },
      };
      for (let i = 0; i < count; i++) {
        if (intervalMs > 0) await new Promise((r) => setTimeout(r, intervalMs));
        yield {
          payload: {
            case: "event",
            value: create(RunEventSchema, {
              eventId: eventId++,
              kind: { case: "part", value: { mode: StreamMode.CUSTOM, data: fromJson(ValueSchema, { i, t: now() }), namespace: [] } },
            }),
          },
        };
      }
      yield {
        payload: { case: "event", value: create(RunEventSchema, { eventId: eventId++, kind: { case: "end", value: { status: RunStatus.SUCCESS } } }) },
      };
    },
  });
}

const port = Number(process.argv[2] ?? 0);
const connect = connectNodeAdapter({ routes });
const handler = httpHandler(connect as RequestHandler, { corsOrigins: [], ready: async () => true });
const listening = await listen(handler, "127.0.0.1", port);
const plain = http2.createServer({ maxSessionMemory: 64 }, connect as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", () => resolve()));
const url = `http://127.0.0.1:${listening.port}`;
const plainUrl = `http://127.0.0.1:${(plain.address() as { port: number }).port}`;
process.stdout.write(JSON.stringify({ level: 30, url, plainH2Url: plainUrl, msg: `echo plain-h2 ${plainUrl} ; echo listening on ${url}` }) + "\n");

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    plain.close();
    void listening.close().then(() => process.exit(0));
    listening.destroy();
  });
}
