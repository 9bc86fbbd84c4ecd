// The HTTP layer in front of Connect: CORS for browser origins and the
// plain-HTTP health endpoints, then the Connect adapter for everything else.
import type http from "node:http";
import type http2 from "node:http2";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { cors } from "@connectrpc/connect";
import type { Registry } from "prom-client";
import type { RequestHandler } from "./listen.js";

export interface HttpOptions {
  corsOrigins: string[];
  ready: () => Promise<boolean>;
  /** Serves /metrics when given. */
  metrics?: Registry;
  /** The HTTP APIs (LangGraph Platform, DeerFlow; src/http/): the requests whose path they claim. */
  restApi?: { handles(path: string): boolean; handler: (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]) => unknown };
}

const EXPOSED = [...cors.exposedHeaders, "x-run-id", "x-thread-id", "x-request-id", "content-location", "location"].join(", ");
// x-api-key and last-event-id: the LangGraph SDK's credential and stream resumption, from browsers (useStream).
const ALLOWED_HEADERS = [...cors.allowedHeaders, "authorization", "x-request-id", "x-api-key", "last-event-id", "x-agent-runs-user"].join(", ");
const ALLOWED_METHODS = [...new Set([...cors.allowedMethods, "PATCH", "PUT", "DELETE"])].join(", ");

/**
 * The gRPC spec percent-encodes grpc-message only outside printable ASCII (and
 * "%"); connect-es uses encodeURIComponent, which also encodes ":" "," "/"
 * and friends, and grpc-js (decodeURI) then shows "limit%3A ...". Re-encode
 * to the spec so every gRPC client reads the same message.
 */
export function specGrpcMessage(encoded: string): string {
  let text: string;
  try {
    text = decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
  let out = "";
  for (const byte of Buffer.from(text, "utf8")) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

function fixGrpcMessage(headers: unknown): void {
  if (!headers || typeof headers !== "object") return;
  const record = headers as Record<string, unknown>;
  const value = record["grpc-message"];
  if (typeof value === "string") record["grpc-message"] = specGrpcMessage(value);
}

function patchGrpcMessages(res: http.ServerResponse | http2.Http2ServerResponse): void {
  const response = res as http2.Http2ServerResponse;
  const writeHead = response.writeHead.bind(response) as (...args: unknown[]) => unknown;
  const addTrailers = response.addTrailers.bind(response);
  (response as unknown as { writeHead: (...args: unknown[]) => unknown }).writeHead = (...args: unknown[]) => {
    fixGrpcMessage(args[1]);
    fixGrpcMessage(args[2]);
    return writeHead(...args);
  };
  response.addTrailers = (trailers) => {
    fixGrpcMessage(trailers);
    addTrailers(trailers);
  };
}

type Response = http.ServerResponse & http2.Http2ServerResponse;

/** CORS headers for an allowed origin; true when this was a preflight, answered here. */
function answerCors(req: Parameters<RequestHandler>[0], response: Response, any: boolean, allowed: ReadonlySet<string>): boolean {
  const origin = req.headers["origin"];
  if (typeof origin !== "string" || !(any || allowed.has(origin))) return false;
  response.setHeader("access-control-allow-origin", any ? "*" : origin);
  response.setHeader("vary", "Origin");
  response.setHeader("access-control-expose-headers", EXPOSED);
  if (req.method !== "OPTIONS") return false;
  response.writeHead(204, {
    "access-control-allow-methods": ALLOWED_METHODS,
    "access-control-allow-headers": ALLOWED_HEADERS,
    "access-control-max-age": "7200",
  });
  response.end();
  return true;
}

function json(response: Response, status: number, body: string): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(body);
}

/** The plain-HTTP endpoints (health, readiness, metrics); true when `path` was one of them. */
function answerPlain(path: string | undefined, response: Response, options: HttpOptions): boolean {
  const registry = options.metrics;
  if (path === "/healthz") json(response, 200, '{"status":"ok"}');
  else if (path === "/metrics" && registry) {
    void registry.metrics().then((text) => {
      response.writeHead(200, { "content-type": registry.contentType });
      response.end(text);
    });
  } else if (path === "/readyz") {
    const unreachable = () => json(response, 503, '{"status":"store unreachable"}');
    options.ready().then((ok) => (ok ? json(response, 200, '{"status":"ready"}') : unreachable()), unreachable);
  } else return false;
  return true;
}

/**
 * Connect may answer (an error, e.g. a too-large message) before the whole
 * request body has arrived. Such a connection cannot carry another request,
 * so tell the client to close it instead of leaving it to hang.
 */
function closeWhenBodyUnread(req: http.IncomingMessage, res: http.ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
    if (!req.complete) this.setHeader("connection", "close");
    return writeHead.apply(this, args);
  } as typeof writeHead;
}

/**
 * A reset HTTP/2 stream ends its Http2ServerResponse with 'finish' and 'close'
 * only. connect-node's write waits for 'drain' or 'error' once the client has
 * stopped reading, so a client that stalls and then resets (or vanishes)
 * would leave the handler, and its run's tail, stuck forever. Fail that
 * pending write instead, with the error connect-node takes for a hung-up client
 * (Aborted: not logged); a later write fails on the closed stream by itself.
 */
function releaseOnReset(res: http2.Http2ServerResponse): void {
  res.once("close", () => {
    if (res.writableEnded || res.listenerCount("error") === 0) return;
    res.emit("error", Object.assign(new Error("the HTTP/2 stream closed before its response ended"), { code: "ERR_STREAM_DESTROYED" }));
  });
}

/**
 * Connect's GET form carries the request in `message=`, base64 when
 * `base64=1`. connect-es decodes it outside its error handling, so bad base64
 * became INTERNAL; answer it here as what it is, a bad argument. The same
 * decoder (protobuf-es) decides, so exactly what it rejects is refused.
 */
function refuseBadBase64(req: Parameters<RequestHandler>[0], response: Response): boolean {
  if (req.method !== "GET" || !req.url?.includes("base64=1")) return false;
  const query = new URLSearchParams(req.url.slice(req.url.indexOf("?") + 1));
  if (query.get("base64") !== "1") return false;
  try {
    base64Decode(query.get("message") ?? "");
    return false;
  } catch {
    json(response, 400, JSON.stringify({ code: "invalid_argument", message: "message: not valid base64 (base64=1)" }));
    return true;
  }
}

export function httpHandler(connect: RequestHandler, options: HttpOptions): RequestHandler {
  const any = options.corsOrigins.includes("*");
  const allowed = new Set(options.corsOrigins);
  return (req, res) => {
    const response = res as Response;
    if (answerCors(req, response, any, allowed)) return;
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (answerPlain(path, response, options)) return;
    if (options.restApi?.handles(path)) {
      void options.restApi.handler(req, res);
      return;
    }
    if (refuseBadBase64(req, response)) return;
    const type = req.headers["content-type"];
    if (type?.startsWith("application/grpc") && !type.startsWith("application/grpc-web")) patchGrpcMessages(res);
    if (req.httpVersionMajor === 1) closeWhenBodyUnread(req as http.IncomingMessage, res as http.ServerResponse);
    else releaseOnReset(res as http2.Http2ServerResponse);
    connect(req, res);
  };
}
