// StreamRun as the spec states it: metadata first, increasing ids, a run's
// own failure as an error event then a clean end, heartbeats when idle.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { RunStatus, StreamMode } from "../gen/agentruns/v1/runs_pb.js";
import { endStatus, eventIds, events, expectStrictlyIncreasing, kinds, metadataOf } from "./helpers/events.js";
import { collect, startTestServer, userInput, type TestServer } from "./helpers/server.js";
import { grpcJsClient, serverStream } from "./helpers/grpc-js.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ heartbeatMs: 100 });
});
afterAll(() => t.stop());

describe.each(["connectJson", "connectBinary", "grpc", "grpcWeb"] as const)("StreamRun over %s", (transport) => {
  it("sends metadata first, end last, ids strictly increasing, run headers", async () => {
    let headers: Headers | undefined;
    const responses = await collect(
      t.client(transport).streamRun(
        { run: { assistantId: "demo", input: userInput("count these four words"), streamMode: [StreamMode.VALUES, StreamMode.UPDATES] } },
        { onHeader: (h) => (headers = h) },
      ),
    );
    const evs = events(responses);
    expect(evs[0]?.kind.case).toBe("metadata");
    expect(evs.at(-1)?.kind.case).toBe("end");
    expectStrictlyIncreasing(eventIds(responses));
    const meta = metadataOf(evs[0])!;
    expect(headers?.get("x-run-id")).toBe(meta.runId);
    expect(headers?.get("x-thread-id")).toBe(meta.threadId);
    const modes = new Set(evs.flatMap((e) => (e.kind.case === "part" ? [e.kind.value.mode] : [])));
    expect(modes).toEqual(new Set([StreamMode.VALUES, StreamMode.UPDATES]));
    expect(endStatus(responses)).toBe(RunStatus.SUCCESS);
  });
});

describe("StreamRun", () => {
  it("defaults to values mode and the last values hold the whole conversation", async () => {
    const evs = events(await collect(t.connectJson.streamRun({ run: { assistantId: "demo", input: userInput("a b c") } })));
    const parts = evs.filter((e) => e.kind.case === "part");
    expect(parts.length).toBeGreaterThan(1);
    for (const p of parts) expect(p.kind.case === "part" && p.kind.value.mode).toBe(StreamMode.VALUES);
    const last = parts.at(-1)!.kind.value as { data: { kind: { case: string; value: any } } };
    const values = last.data.kind.value;
    const messages = values.fields.messages.kind.value.values.map((v: any) => v.kind.value.fields);
    expect(messages.map((m: any) => m.type.kind.value)).toEqual(["human", "ai", "tool", "ai"]);
    expect(messages[3].content.kind.value).toBe("The text has 3 words.");
  });

  it("streams LLM tokens in messages mode and writer output in custom mode", async () => {
    const evs = events(
      await collect(
        t.connectJson.streamRun({
          run: {
            assistantId: "demo",
            input: userInput("x y"),
            context: { custom_events: 3 },
            streamMode: [StreamMode.MESSAGES, StreamMode.CUSTOM],
          },
        }),
      ),
    );
    const parts = evs.flatMap((e) => (e.kind.case === "part" ? [e.kind.value] : []));
    const custom = parts.filter((p) => p.mode === StreamMode.CUSTOM);
    expect(custom).toHaveLength(3);
    const tokens = parts.filter((p) => p.mode === StreamMode.MESSAGES);
    // The final answer arrives as many chunks; each is [message, metadata].
    expect(tokens.length).toBeGreaterThan(10);
  });

  it("reports the run's own failure as an error event, then ends with OK", async () => {
    const responses = await collect(t.grpc.streamRun({ run: { assistantId: "demo", input: userInput("hi"), context: { fail: "model exploded" } } }));
    const evs = events(responses);
    expect(kinds(responses)[0]).toBe("metadata");
    expect(kinds(responses).slice(-2)).toEqual(["error", "end"]);
    const error = evs.at(-2)!.kind.value as { name: string; message: string };
    expect(error).toMatchObject({ name: "Error", message: "model exploded" });
    expect(endStatus(responses)).toBe(RunStatus.ERROR);
    const runId = metadataOf(evs[0])!.runId;
    const { run } = await t.grpc.getRun({ runId });
    expect(run?.status).toBe(RunStatus.ERROR);
    expect(run?.error?.message).toBe("model exploded");
  });

  it("sends heartbeats while the run is idle", async () => {
    const responses = await collect(t.connectJson.streamRun({ run: { assistantId: "demo", input: userInput("slow"), context: { delay_ms: 250 } } }));
    const heartbeats = responses.filter((r) => r.payload.case === "heartbeat");
    expect(heartbeats.length).toBeGreaterThanOrEqual(2);
    expect(kinds(responses).at(-1)).toBe("end");
  });

  it("refuses an unknown assistant with NOT_FOUND naming the field", async () => {
    const error = await collect(t.connectJson.streamRun({ run: { assistantId: "nope" } })).catch((e) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.NotFound);
    expect((error as ConnectError).rawMessage).toContain("run.assistant_id");
  });

  it("works from grpc-js over h2c, with x-run-id in the response headers", async () => {
    const client = grpcJsClient(t.port);
    try {
      const { headers, done } = serverStream<any>(client, "StreamRun", {
        run: { assistant_id: "demo", input: { fields: {} }, stream_mode: ["STREAM_MODE_UPDATES"] },
      });
      // grpc-js with proto-loader speaks Struct as its wire shape; an empty input runs an empty graph turn.
      const { messages } = await done;
      const kinds = messages.map((m) => m.payload === "event" ? m.event.kind : m.payload);
      expect(kinds[0]).toBe("metadata");
      expect(kinds.at(-1)).toBe("end");
      const md = await headers;
      expect(md.get("x-run-id")[0]).toBe(messages[0].event.metadata.run_id);
    } finally {
      client.close();
    }
  });
});
