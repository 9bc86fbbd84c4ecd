// Issue 15 item 2: every half-open or idle connection is closed by the server
// within its bound (small ones here), and a long stream is never cut as idle.
// Each test waits for an outcome (the server closed the socket, the body
// arrived whole); the 5 s safety bound only turns a hang into a clear failure.
import http from "node:http";
import http2 from "node:http2";
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { StreamMode } from "../gen/agentruns/v1/runs_pb.js";
import { listen, type Listening, type ListenOptions, type RequestHandler } from "../src/server/listen.js";
import { collect, startTestServer, userInput } from "./helpers/server.js";
import { getText, h2Get } from "./helpers/http1.js";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** An empty SETTINGS frame: length 0, type 4, no flags, stream 0. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const SAFETY_MS = 5_000;
const OFF: ListenOptions = { firstBytesTimeoutMs: 0, headersTimeoutMs: 0, requestTimeoutMs: 0, idleTimeoutMs: 0, pingIntervalMs: 0, pingTimeoutMs: 0 };

/** `/slow` answers in five chunks 60 ms apart; anything else is answered once its body has been read. */
const handler: RequestHandler = (req, res) => {
  if (req.url === "/slow") {
    res.writeHead(200, { "content-type": "text/plain" });
    let sent = 0;
    const timer = setInterval(() => {
      (res as http.ServerResponse).write(`chunk${++sent};`);
      if (sent === 5) {
        clearInterval(timer);
        res.end();
      }
    }, 60);
    return;
  }
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
  });
};

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(options: Partial<ListenOptions>): Promise<Listening> {
  const server = await listen(handler, "127.0.0.1", 0, { ...OFF, ...options });
  cleanups.push(() => {
    const closed = server.close();
    server.destroy();
    return closed;
  });
  return server;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
    cleanups.push(() => socket.destroy());
  });
}

/** Resolves with what the server sent once it closed the socket; this side never closes it. */
function closedByServer(socket: net.Socket): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = "";
    const safety = setTimeout(() => reject(new Error(`the server left the socket open (${SAFETY_MS} ms)`)), SAFETY_MS);
    socket.on("data", (chunk: Buffer) => (got += chunk.toString("latin1")));
    socket.on("error", () => {}); // a reset is a close too
    socket.once("close", () => {
      clearTimeout(safety);
      resolve(got);
    });
  });
}

function sessionClosed(session: http2.ClientHttp2Session): Promise<void> {
  return new Promise((resolve, reject) => {
    const safety = setTimeout(() => reject(new Error(`the server left the session open (${SAFETY_MS} ms)`)), SAFETY_MS);
    session.on("error", () => {});
    session.once("close", () => {
      clearTimeout(safety);
      resolve();
    });
  });
}

const h2Connect = (port: number) => {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  cleanups.push(() => session.destroy());
  return session;
};

describe("connection bounds", () => {
  it("closes a connection that sends nothing (--first-bytes-timeout-ms)", async () => {
    const server = await serve({ firstBytesTimeoutMs: 100 });
    expect(await closedByServer(await connect(server.port))).toBe("");
  });

  it("closes a connection that stops halfway through the HTTP/2 preface", async () => {
    const server = await serve({ firstBytesTimeoutMs: 100 });
    const socket = await connect(server.port);
    socket.write(PREFACE.subarray(0, 10));
    expect(await closedByServer(socket)).toBe("");
  });

  it("answers 408 and closes an HTTP/1.1 request whose headers never end (--headers-timeout-ms)", async () => {
    const server = await serve({ headersTimeoutMs: 100, requestTimeoutMs: 1_000 });
    const socket = await connect(server.port);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
    expect(await closedByServer(socket)).toMatch(/^HTTP\/1\.1 408/);
  });

  it("answers 408 and closes an HTTP/1.1 request whose declared body never comes (--request-timeout-ms)", async () => {
    const server = await serve({ headersTimeoutMs: 100, requestTimeoutMs: 200 });
    const socket = await connect(server.port);
    socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc");
    expect(await closedByServer(socket)).toMatch(/^HTTP\/1\.1 408/);
  });

  it("closes an idle HTTP/1.1 keep-alive connection after its response (--idle-timeout-ms)", async () => {
    const server = await serve({ idleTimeoutMs: 100 });
    const socket = await connect(server.port);
    const closed = closedByServer(socket);
    socket.write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    const reply = await closed;
    expect(reply).toMatch(/^HTTP\/1\.1 200/);
    expect(reply).toMatch(/connection: keep-alive/i);
  });

  it("closes an HTTP/2 session that never opens a stream", async () => {
    const server = await serve({ idleTimeoutMs: 100 });
    const socket = await connect(server.port);
    socket.write(Buffer.concat([PREFACE, EMPTY_SETTINGS]));
    const sent = await closedByServer(socket);
    expect(sent.charCodeAt(3)).toBe(4); // it did speak HTTP/2: SETTINGS first
  });

  it("closes an HTTP/2 session once its last stream has ended, with GOAWAY", async () => {
    const server = await serve({ idleTimeoutMs: 100 });
    const session = h2Connect(server.port);
    const goaway = new Promise<number>((resolve) => session.once("goaway", resolve));
    const closed = sessionClosed(session);
    expect(await h2Get(session, "/")).toBe("ok");
    await closed;
    expect(await goaway).toBe(http2.constants.NGHTTP2_NO_ERROR);
  });

  it("closes an HTTP/2 session whose peer stops answering PINGs (--ping-interval-ms, --ping-timeout-ms)", async () => {
    const server = await serve({ pingIntervalMs: 50, pingTimeoutMs: 50 });
    const socket = await connect(server.port);
    socket.write(Buffer.concat([PREFACE, EMPTY_SETTINGS])); // and then nothing: no SETTINGS ACK, no PING ACK
    await closedByServer(socket);
  });

  it("keeps an HTTP/2 session whose peer answers PINGs", async () => {
    const server = await serve({ pingIntervalMs: 20, pingTimeoutMs: 200 });
    const session = h2Connect(server.port);
    let pings = 0;
    await new Promise<void>((resolve) => session.on("ping", () => ++pings === 5 && resolve()));
    expect(await h2Get(session, "/")).toBe("ok");
    expect(session.closed || session.destroyed).toBe(false);
  });
});

describe("long responses are not idle", () => {
  it("an HTTP/2 stream outlives the idle timeout, and the session closes after it", async () => {
    const server = await serve({ idleTimeoutMs: 50, pingIntervalMs: 20, pingTimeoutMs: 200 });
    const session = h2Connect(server.port);
    const closed = sessionClosed(session);
    expect(await h2Get(session, "/slow")).toBe("chunk1;chunk2;chunk3;chunk4;chunk5;");
    await closed;
  });

  it("an HTTP/1.1 response outlives the header, request and idle timeouts", async () => {
    const server = await serve({ headersTimeoutMs: 50, requestTimeoutMs: 50, idleTimeoutMs: 50 });
    const body = await getText(`http://127.0.0.1:${server.port}/slow`);
    expect(body).toBe("chunk1;chunk2;chunk3;chunk4;chunk5;");
  });
});

describe("startServer passes the bounds to listen", () => {
  it("closes a stream-less HTTP/2 session, while a StreamRun longer than the idle timeout runs to its end", async () => {
    const t = await startTestServer({ idleTimeoutMs: 250, firstBytesTimeoutMs: 250, heartbeatMs: 100 });
    cleanups.push(() => t.stop());
    const silent = closedByServer(await connect(t.port));
    const prefaceOnly = await connect(t.port);
    prefaceOnly.write(Buffer.concat([PREFACE, EMPTY_SETTINGS]));
    await closedByServer(prefaceOnly);
    await silent;
    for (const client of [t.grpc, t.connectJson]) {
      const run = { assistantId: "demo", input: userInput("slow"), context: { delay_ms: 400 }, streamMode: [StreamMode.UPDATES] };
      const responses = await collect(client.streamRun({ run }));
      const last = responses.at(-1)?.payload;
      expect(last?.case === "event" && last.value.kind.case).toBe("end");
      expect(responses.some((r) => r.payload.case === "heartbeat")).toBe(true);
    }
  });
});
