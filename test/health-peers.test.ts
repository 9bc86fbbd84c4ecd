// gRPC health from grpc-js, the client most probes and balancers use:
// Check for the server and for RunsService, and Watch through changes until
// the client cancels (the health loop's interval on a fake clock).
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { useStandInServer } from "./helpers/stand-in-server.js";

const PROTO_DIR = fileURLToPath(new URL("../proto", import.meta.url));

const server = useStandInServer();

describe("grpc-js health client", () => {
  function healthClient(): grpc.Client & Record<string, any> {
    const definition = protoLoader.loadSync("grpc/health/v1/health.proto", { includeDirs: [PROTO_DIR], enums: String });
    const pkg = grpc.loadPackageDefinition(definition) as any;
    return new pkg.grpc.health.v1.Health(server.address, grpc.credentials.createInsecure());
  }

  it("Check answers SERVING for the server and for RunsService", async () => {
    const client = healthClient();
    try {
      const check = (service: string) =>
        new Promise<{ status: string }>((resolve, reject) =>
          client["Check"]({ service }, { deadline: Date.now() + 5000 }, (err: grpc.ServiceError | null, res: { status: string }) => (err ? reject(err) : resolve(res))),
        );
      expect(await check("")).toEqual({ status: "SERVING" });
      expect(await check("agentruns.v1.RunsService")).toEqual({ status: "SERVING" });
      await expect(check("nope")).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    } finally {
      client.close();
    }
  });

  it("Watch sends the status, then each change, until the client cancels", async () => {
    const client = healthClient();
    // The health loop's interval runs on a fake clock: each check is a tick the test makes.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"], shouldClearNativeTimers: true });
    try {
      const call: grpc.ClientReadableStream<{ status: string }> = client["Watch"]({ service: "" });
      const seen: string[] = [];
      let wake = () => {};
      call.on("data", (m: { status: string }) => {
        seen.push(m.status);
        wake();
      });
      const failed = new Promise<never>((_, reject) => call.on("error", reject));
      const waitFor = (n: number) =>
        Promise.race([
          failed,
          new Promise<void>((resolve) => {
            wake = () => seen.length >= n && resolve();
            wake();
          }),
        ]);
      await waitFor(1);
      expect(seen).toEqual(["SERVING"]);
      server.health.serving = false;
      vi.advanceTimersByTime(1000);
      await waitFor(2);
      expect(seen).toEqual(["SERVING", "NOT_SERVING"]);
      server.health.serving = true;
      vi.advanceTimersByTime(1000);
      await waitFor(3);
      expect(seen).toEqual(["SERVING", "NOT_SERVING", "SERVING"]);
      const ended = once(server.watchEnds, "end");
      const cancelled = new Promise<grpc.StatusObject>((resolve) => call.on("status", resolve));
      call.cancel();
      expect((await cancelled).code).toBe(grpc.status.CANCELLED);
      // The server's Watch ended with the call: it stops polling, however long the loop keeps ticking.
      await ended;
      const after = server.health.polls;
      await vi.advanceTimersByTimeAsync(60_000);
      expect(server.health.polls).toBe(after);
    } finally {
      vi.useRealTimers();
      server.health.serving = true;
      client.close();
    }
  });
});
