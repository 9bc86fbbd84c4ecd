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

export async function listen(handler: RequestHandler, host: string, port: number): Promise<Listening> {
  const h1 = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 0 }, handler as http.RequestListener);
  const h2 = http2.createServer({ maxSessionMemory: 64 }, handler as (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void);
  const sockets = new Set<net.Socket>();
  const sessions = new Set<http2.ServerHttp2Session>();
  // Requests in flight per HTTP/1.1 connection: on close, a connection ends after its last response.
  const inFlight = new Map<net.Socket, number>();
  let closing = false;
  h1.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const socket = req.socket;
    inFlight.set(socket, (inFlight.get(socket) ?? 0) + 1);
    res.on("close", () => {
      const left = (inFlight.get(socket) ?? 1) - 1;
      inFlight.set(socket, left);
      if (closing && left === 0) socket.end();
    });
  });
  h2.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  const sessionSockets = new WeakSet<net.Socket>();
  const tcp = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      inFlight.delete(socket);
    });
    socket.on("error", () => socket.destroy());
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE.length);
      const isH2 = head.subarray(0, n).equals(PREFACE.subarray(0, n));
      if (isH2 && head.length < PREFACE.length) return;
      socket.off("data", onData);
      // Either server gets the socket itself with the sniffed bytes put back:
      // http1 reads them as usual; an http2 session takes over the native
      // handle and feeds itself what the socket had buffered on the next tick
      // (paused first, or unshift would emit them to no listener).
      socket.pause();
      socket.unshift(head);
      if (isH2) {
        sessionSockets.add(socket);
        h2.emit("connection", socket);
      } else {
        h1.emit("connection", socket);
        socket.resume();
      }
    };
    socket.on("data", onData);
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
        closing = true;
        for (const session of sessions) session.close();
        for (const socket of sockets) if (!sessionSockets.has(socket) && !inFlight.get(socket)) socket.end();
        tcp.close(() => resolve());
      }),
    destroy: () => {
      for (const session of sessions) session.destroy();
      for (const socket of sockets) socket.destroy();
    },
  };
}
