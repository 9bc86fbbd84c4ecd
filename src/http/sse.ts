// A run's events as the LangGraph Platform streams them: one SSE frame per
// stored event (`event: <mode>`, `data: <json>`, `id: <seq>` that
// Last-Event-ID resumes after), `: heartbeat` comments on an idle stream,
// `end` last. Proxies are told not to buffer (X-Accel-Buffering: no).
import type { Context } from "hono";
import { streamSSE, type SSEStreamingApi } from "hono/streaming";
import type { TailItem } from "../application/index.js";
import { ShuttingDownError } from "../domain/errors.js";
import { sseFrame } from "./wire.js";

export interface SseOptions {
  runId: string;
  /** Content-Location and Location of the run (the SDK's onRunCreated, and where it reconnects). */
  location?: { content: string; stream: string };
  /** Counts events sent (metrics). */
  eventsSent?: { inc(): void };
}

export function sseResponse(c: Context, events: AsyncIterable<TailItem>, options: SseOptions): Response {
  c.header("Cache-Control", "no-cache");
  c.header("X-Accel-Buffering", "no");
  if (options.location) {
    c.header("Content-Location", options.location.content);
    c.header("Location", options.location.stream);
  }
  return streamSSE(c, async (stream) => {
    try {
      await writeEvents(stream, events, options);
    } catch (error) {
      // This replica stops while the run goes on elsewhere: the stream just ends, without `end`, so
      // clients reconnect with Last-Event-ID and land on a replica that serves it.
      if (!(error instanceof ShuttingDownError)) throw error;
    }
  });
}

async function writeEvents(stream: SSEStreamingApi, events: AsyncIterable<TailItem>, options: SseOptions): Promise<void> {
  for await (const item of events) {
    if (stream.aborted || stream.closed) break;
    if (item.type === "heartbeat") {
      await stream.write(": heartbeat\n\n");
      continue;
    }
    const frame = sseFrame(item.event, options.runId);
    if (!frame) continue;
    options.eventsSent?.inc();
    await stream.writeSSE({ event: frame.event, data: JSON.stringify(frame.data), id: String(item.event.seq) });
  }
}
