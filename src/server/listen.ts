// One cleartext port for gRPC (h2c), gRPC-Web and Connect (HTTP/1.1 and h2c).
// Node's http2 server with allowHTTP1 only falls back to HTTP/1.1 over TLS,
// so each connection's first bytes decide: the HTTP/2 preface goes to an
// http2 server, anything else to an http1 server, both sharing one handler.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export type RequestHandler = (
  req: http.IncomingMessage | http2.Http2ServerRequest,
  res: http.ServerResponse | http2.Http2ServerResponse,
) => void;

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
function sniff(socket: net.Socket, handOver: (isH2: boolean) => void): void {
  let head = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    head = Buffer.concat([head, chunk]);
    const n = Math.min(head.length, PREFACE.length);
    const isH2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
    if (isH2 && head.length < PREFACE.length) return;
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

export async function listen(handler: RequestHandler, host: string, port: number): Promise<Listening> {
  const h1 = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, handler as http.RequestListener);
  const h2 = http2.createServer({ maxSessionMemory: 64 }, handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
  const connections = new Connections();
  h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => connections.requestStarted(req.socket, res));
  h2.on("session", (session) => connections.addSession(session));
  const tcp = net.createServer({ noDelay: true }, (socket) => {
    connections.add(socket);
    socket.on("error", () => socket.destroy());
    sniff(socket, (isH2) => {
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
        tcp.close(() => resolve());
      }),
    destroy: () => connections.destroyAll(),
  };
}
