// Issue 15 item 3: an HTTP/2 client that stops reading a StreamRun and then
// resets it (or drops the connection) must not leave the handler stuck on a
// write that never drains: agentruns_open_streams falls back to 0.
import http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StreamMode, StreamRunRequestSchema } from "../gen/agentruns/v1/runs_pb.js";
import { startTestServer, userInput, type TestServer } from "./helpers/server.js";

const STREAMS = 5;
/** Far more than the 64 KiB HTTP/2 stream window a non-reading client grants. */
const CUSTOM_EVENTS = 5_000;

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.stop();
});

async function openStreams(): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return Number(/^agentruns_open_streams (\d+)$/m.exec(text)?.[1]);
}

/** A gRPC-framed StreamRun request: flag 0, length, message. */
function streamRunBody(): Buffer {
  const request = create(StreamRunRequestSchema, {
    run: { assistantId: "demo", input: userInput("flood"), streamMode: [StreamMode.CUSTOM], context: { custom_events: CUSTOM_EVENTS } },
  });
  const message = toBinary(StreamRunRequestSchema, request);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  Buffer.from(message).copy(frame, 5);
  return frame;
}

/** Starts a StreamRun and stops reading it after its first bytes; resolves once the client's buffer is full. */
async function stalledStream(session: http2.ClientHttp2Session): Promise<http2.ClientHttp2Stream> {
  const stream = session.request({
    ":method": "POST",
    ":path": "/agentruns.v1.RunsService/StreamRun",
    "content-type": "application/grpc",
    te: "trailers",
  });
  stream.on("error", () => {});
  stream.end(streamRunBody());
  await new Promise<void>((resolve) => stream.once("data", () => (stream.pause(), resolve())));
  // Paused, the stream buffers up to its high-water mark and then stops taking data (no more
  // WINDOW_UPDATEs): from there the server's writes back up.
  await expect.poll(() => stream.readableLength, { timeout: 10_000 }).toBeGreaterThanOrEqual(stream.readableHighWaterMark);
  return stream;
}

describe("HTTP/2 streams a client stops reading", () => {
  it("release their handlers when the client resets them", async () => {
    const session = http2.connect(t.url);
    session.on("error", () => {});
    try {
      const streams = await Promise.all(Array.from({ length: STREAMS }, () => stalledStream(session)));
      expect(await openStreams()).toBe(STREAMS);
      for (const stream of streams) stream.close(http2.constants.NGHTTP2_CANCEL);
      await expect.poll(openStreams, { timeout: 10_000 }).toBe(0);
    } finally {
      session.destroy();
    }
  });

  it("release their handlers when the client's connection goes away", async () => {
    const session = http2.connect(t.url);
    session.on("error", () => {});
    const before = await openStreams(); // 0, unless the test above left some stuck
    await Promise.all(Array.from({ length: STREAMS }, () => stalledStream(session)));
    expect(await openStreams()).toBe(before + STREAMS);
    session.destroy();
    await expect.poll(openStreams, { timeout: 10_000 }).toBe(before);
  });
});
