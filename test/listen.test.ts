// One cleartext port, two protocols: the first bytes of a connection choose
// HTTP/2 or HTTP/1.1, however the client splits them across TCP writes.
import http2 from "node:http2";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen, type Listening, type RequestHandler } from "../src/server/listen.js";
import { getText, h2Get } from "./helpers/http1.js";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
/** An empty SETTINGS frame: length 0, type 4, no flags, stream 0. */
const EMPTY_SETTINGS = Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0]);

const handler: RequestHandler = (req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end(`hello over ${req.httpVersion}`);
};

let server: Listening;
let port: number;
beforeAll(async () => {
  server = await listen(handler, "127.0.0.1", 0);
  port = server.port;
});
afterAll(async () => {
  const closed = server.close();
  server.destroy();
  await closed;
});

function raw(): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => resolve(socket));
    socket.once("error", reject);
  });
}

function firstBytes(socket: net.Socket, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= n) {
        socket.off("data", onData);
        resolve(got);
      }
    };
    socket.on("data", onData);
    socket.once("error", reject);
    socket.once("close", () => reject(new Error(`closed after ${got.length} bytes: ${got.toString("latin1")}`)));
  });
}

const pause = () => new Promise((resolve) => setTimeout(resolve, 20));

describe("listen: one port for h2c and HTTP/1.1", () => {
  it("serves an HTTP/2 client", async () => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    try {
      const body = await h2Get(session, "/");
      expect(body).toBe("hello over 2.0");
    } finally {
      session.close();
    }
  });

  it("serves an HTTP/1.1 client", async () => {
    const body = await getText(`http://127.0.0.1:${port}/`);
    expect(body).toBe("hello over 1.1");
  });

  it("answers an HTTP/2 preface that arrives in pieces with the server's SETTINGS frame", async () => {
    const socket = await raw();
    try {
      const reply = firstBytes(socket, 9);
      socket.write(PREFACE.subarray(0, 3));
      await pause();
      socket.write(PREFACE.subarray(3, 17));
      await pause();
      socket.write(Buffer.concat([PREFACE.subarray(17), EMPTY_SETTINGS]));
      const frame = await reply;
      expect(frame[3]).toBe(4); // SETTINGS
      expect(frame.readUInt32BE(5) & 0x7fffffff).toBe(0); // on stream 0
    } finally {
      socket.destroy();
    }
  });

  it("answers an HTTP/1.1 request whose first bytes arrive alone", async () => {
    const socket = await raw();
    try {
      const reply = firstBytes(socket, 12);
      socket.write("G");
      await pause();
      socket.write("ET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      expect((await reply).toString("latin1")).toMatch(/^HTTP\/1\.1 200/);
    } finally {
      socket.destroy();
    }
  });
});
