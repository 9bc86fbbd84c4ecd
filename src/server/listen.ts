// One cleartext port for gRPC (h2c), gRPC-Web and Connect (HTTP/1.1 and h2c).
// Node's http2 server with allowHTTP1 only falls back to HTTP/1.1 over TLS,
// so each connection's first bytes decide: the HTTP/2 preface goes to an
// http2 server, anything else to an http1 server, both sharing one handler.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

/**
 * The response either server hands the handler. Since @types/node 24.8 the two
 * writeHead signatures take different header types, so the bare union's
 * writeHead is not callable; both accept a status and a header object, which is
 * how this code calls it.
 */
export type HttpResponse = (http.ServerResponse | http2.Http2ServerResponse) & {
  writeHead(statusCode: number, headers?: http.OutgoingHttpHeaders): unknown;
};

export type RequestHandler = (req: http.IncomingMessage | http2.Http2ServerRequest, res: HttpResponse) => void;

/**
 * Bounds on a connection's lifetime; 0 turns one off. The defaults (and why)
 * are in docs/security-and-operations.md; src/config.ts exposes each one.
 */
export interface ListenOptions {
  /** A new connection must send enough to tell HTTP/2 from HTTP/1.1 by then, or it is closed. */
  firstBytesTimeoutMs: number;
  /** HTTP/1.1: a request's headers must have arrived by then (Node's headersTimeout: 408, closed). */
  headersTimeoutMs: number;
  /** HTTP/1.1: the whole request, body included (Node's requestTimeout: 408, closed). */
  requestTimeoutMs: number;
  /** HTTP/1.1 between requests, HTTP/2 with no open stream: closed after this (HTTP/2 with GOAWAY). */
  idleTimeoutMs: number;
  /** HTTP/2: a PING this often... */
  pingIntervalMs: number;
  /** ...which, unanswered by then, closes the connection: the peer is gone. */
  pingTimeoutMs: number;
}

/** In the range of nginx's, Envoy's and grpc-go's; bench/ and tests calling listen() without options get them too. */
export const LISTEN_DEFAULTS: Readonly<ListenOptions> = {
  // A real client writes its preface or request line right after connecting: one round trip.
  firstBytesTimeoutMs: 10_000,
  // Half of Node's and nginx's 60 s: our headers are a few hundred bytes.
  headersTimeoutMs: 30_000,
  // Node's default: a request is one message of at most --read-max-bytes (4 MiB: 14 KB/s suffices).
  requestTimeoutMs: 300_000,
  // Above the idle timeouts of the proxies in front (ALB, nginx: 60 s), so they close first and never reuse a connection we just closed.
  idleTimeoutMs: 300_000,
  // gRPC's keepalive timeout is 20 s; pinging every minute (gRPC: 2 h) finds a vanished peer, and frees its streams, within 80 s.
  pingIntervalMs: 60_000,
  pingTimeoutMs: 20_000,
};

export interface Listening {
  port: number;
  host: string;
  /**
   * Stops accepting connections and lets open ones finish: HTTP/2 sessions
   * get GOAWAY and close after their last stream, HTTP/1.1 connections close
   * after their last response (idle ones at once). Resolves when all are gone.
   */
  close(): Promise<void>;
  /** Closes every open connection now. */
  destroy(): void;
}

/**
 * Reads a connection's first bytes until they tell HTTP/2 (the preface) from
 * anything else, then hands the socket over with those bytes put back: http1
 * reads them as usual; an http2 session takes over the native handle and
 * feeds itself what the socket had buffered on the next tick (paused first,
 * or unshift would emit them to no listener).
 */
function sniff(socket: net.Socket, timeoutMs: number, handOver: (isH2: boolean) => void): void {
  let head = Buffer.alloc(0);
  // Until the protocol is known neither server watches the socket: a silent or
  // half-sent preface would hold its descriptor forever.
  const timer = timeoutMs > 0 ? setTimeout(() => socket.destroy(), timeoutMs).unref() : undefined;
  socket.once("close", () => clearTimeout(timer));
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const n = Math.min(head.length, PREFACE.length);
    const isH2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (isH2 && head.length < PREFACE.length) return;
    clearTimeout(timer);
    socket.off("data", onData);
    socket.pause();
    socket.unshift(head);
    handOver(isH2);
  };
  socket.on("data", onData);
}

/** Open connections, so that close() can let each finish and destroy() can end them all. */
class Connections {
  readonly sockets = new Set<net.Socket>();
  readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly sessionSockets = new WeakSet<net.Socket>();
  /** Requests in flight per HTTP/1.1 connection: once closing, a connection ends after its last response. */
  private readonly inFlight = new Map<net.Socket, number>();
  private closing = false;

  add(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on("close", () => {
      this.sockets.delete(socket);
      this.inFlight.delete(socket);
    });
  }

  addSession(session: http2.ServerHttp2Session): void {
    this.sessions.add(session);
    session.on("close", () => this.sessions.delete(session));
  }

  markSession(socket: net.Socket): void {
    this.sessionSockets.add(socket);
  }

  requestStarted(socket: net.Socket, res: http.ServerResponse): void {
    this.inFlight.set(socket, (this.inFlight.get(socket) ?? 0) + 1);
    res.on("close", () => {
      const left = (this.inFlight.get(socket) ?? 1) - 1;
      this.inFlight.set(socket, left);
      if (this.closing && left === 0) socket.end();
    });
  }

  /** GOAWAY to every session; idle HTTP/1.1 connections end now, busy ones after their response. */
  closeGracefully(): void {
    this.closing = true;
    for (const session of this.sessions) session.close();
    for (const socket of this.sockets) if (!this.sessionSockets.has(socket) && !this.inFlight.get(socket)) socket.end();
  }

  destroyAll(): void {
    for (const session of this.sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
  }
}

/**
 * Sends a PING and destroys the session if no ACK comes back in time: a peer
 * that vanished (no FIN, no RST) otherwise keeps its session, and every stream
 * on it, open for as long as TCP retransmits, or forever when nothing is sent.
 */
function ping(session: http2.ServerHttp2Session, timeoutMs: number): void {
  if (session.destroyed) return;
  // A session's end settles its PINGs (ERR_HTTP2_PING_CANCEL), clearing the deadline too.
  const deadline = timeoutMs > 0 ? setTimeout(() => session.destroy(), timeoutMs).unref() : undefined;
  // false: too many PINGs unanswered already; the earliest one's deadline is running.
  if (!session.ping(() => clearTimeout(deadline))) clearTimeout(deadline);
}

/**
 * Idle means no open stream (as grpc-go's MaxConnectionIdle), counted from the
 * session's start or its last stream's end, so PINGs or SETTINGS do not keep a
 * session alive, and a long stream (StreamRun, JoinRun) is never idle.
 */
function superviseSession(session: http2.ServerHttp2Session, options: ListenOptions): void {
  let streams = 0;
  let idle: NodeJS.Timeout | undefined;
  const armIdle = () => {
    if (options.idleTimeoutMs > 0) idle = setTimeout(() => session.close(), options.idleTimeoutMs).unref();
  };
  session.on("stream", (stream: http2.ServerHttp2Stream) => {
    streams++;
    clearTimeout(idle);
    stream.once("close", () => {
      if (--streams === 0 && !session.closed) armIdle();
    });
  });
  const pinger = options.pingIntervalMs > 0 ? setInterval(() => ping(session, options.pingTimeoutMs), options.pingIntervalMs).unref() : undefined;
  session.once("close", () => {
    clearTimeout(idle);
    clearInterval(pinger);
  });
  armIdle();
}

function http1Server(handler: RequestHandler, options: ListenOptions): http.Server {
  const { headersTimeoutMs, requestTimeoutMs } = options;
  const bounds = [headersTimeoutMs, requestTimeoutMs].filter((ms) => ms > 0);
  const h1 = http.createServer(
    {
      keepAliveTimeout: options.idleTimeoutMs,
      // Node refuses a headers bound above the request's, which bounds the headers as well.
      headersTimeout: requestTimeoutMs > 0 && headersTimeoutMs > requestTimeoutMs ? requestTimeoutMs : headersTimeoutMs,
      requestTimeout: requestTimeoutMs,
      // Node checks both bounds on this interval, so a bound is overrun by at most this much.
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(Math.min(...bounds) / 4))),
    },
    handler as http.RequestListener,
  );
  // Node starts that check when the server emits 'listening'; h1 never listens
  // (the sniffing server hands it its sockets), so start it here.
  if (bounds.length > 0) h1.emit("listening");
  return h1;
}

export async function listen(handler: RequestHandler, host: string, port: number, options: Partial<ListenOptions> = {}): Promise<Listening> {
  const bounds: ListenOptions = { ...LISTEN_DEFAULTS, ...options };
  const h1 = http1Server(handler, bounds);
  const h2 = http2.createServer({ maxSessionMemory: 64 }, handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
  const connections = new Connections();
  h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => connections.requestStarted(req.socket, res));
  h2.on("session", (session) => {
    connections.addSession(session);
    superviseSession(session, bounds);
  });
  const tcp = net.createServer({ noDelay: true }, (socket) => {
    connections.add(socket);
    socket.on("error", () => socket.destroy());
    sniff(socket, bounds.firstBytesTimeoutMs, (isH2) => {
      if (isH2) {
        connections.markSession(socket);
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, host, () => resolve());
  });
  const address = tcp.address() as net.AddressInfo;
  return {
    port: address.port,
    host,
    close: () =>
      new Promise<void>((resolve) => {
        connections.closeGracefully();
        h1.close(); // stops Node's timeout check; h1 has no port of its own to close
        tcp.close(() => resolve());
      }),
    destroy: () => connections.destroyAll(),
  };
}
