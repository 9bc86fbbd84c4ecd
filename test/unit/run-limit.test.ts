// The per-user limit on the memory store, without sockets: 20 creates issued
// in one tick all reach admission before any is stored, which is exactly
// where a count-then-insert let every one of them through.
import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { OnDisconnect } from "../../gen/agentruns/v1/runs_pb.js";
import { unitService, userInput } from "./harness.js";

describe("--max-active-runs-per-user", () => {
  it("admits exactly the limit of creates issued at once, and new ones once those end", async () => {
    const s = await unitService({ maxActiveRunsPerUser: 2 });
    try {
      const run = { run: { assistantId: "demo", input: userInput("s"), context: { delay_ms: 100 }, onDisconnect: OnDisconnect.CONTINUE } };
      const codes = await Promise.all(Array.from({ length: 20 }, () => s.client.waitRun(run).then(() => "ok", (e: unknown) => Code[ConnectError.from(e).code])));
      expect(codes.filter((c) => c === "ok")).toHaveLength(2);
      expect(codes.filter((c) => c === "ResourceExhausted")).toHaveLength(18);
      expect((await s.client.waitRun(run)).run?.runId).toBeTruthy();
    } finally {
      await s.close();
    }
  });
});
