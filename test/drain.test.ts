// The drain, in process: every stream open when the server stops gets its
// `end` event and a clean end of stream, on every protocol.
import { describe, expect, it } from "vitest";
import { OnDisconnect, RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { endStatus } from "./helpers/events.js";
import { startStream, startTestServer, userInput } from "./helpers/server.js";

describe("stopping the server", () => {
  it("ends every open stream with its end event and OK, runs interrupted at the end of the drain", async () => {
    const t = await startTestServer({ drainMs: 300 });
    const protocols = ["connectJson", "connectBinary", "grpc", "grpcWeb"] as const;
    const streams = await Promise.all(
      protocols.flatMap((protocol) =>
        [0, 1, 2].map(() =>
          startStream(t.client(protocol), { assistantId: "demo", input: userInput("x"), context: { delay_ms: 30_000 }, onDisconnect: OnDisconnect.CONTINUE }),
        ),
      ),
    );
    const rests = streams.map((s) => s.rest().then((responses) => ({ responses }), (error: unknown) => ({ error })));
    await t.stop();
    for (const [i, rest] of (await Promise.all(rests)).entries()) {
      const protocol = protocols[Math.floor(i / 3)];
      expect("error" in rest ? String(rest.error) : "", protocol).toBe("");
      expect("responses" in rest && endStatus(rest.responses), protocol).toBe(RunStatus.INTERRUPTED);
    }
  });
});
