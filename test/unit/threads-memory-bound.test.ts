// Threads count against the memory store's byte bound (--memory-max-bytes):
// one CreateThread made with no run is never evicted, so without counting them
// a client could fill the process with threads and their metadata.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, type ConnectError } from "@connectrpc/connect";
import { unitService, type UnitService } from "./harness.js";
import { failure, reasonOf } from "./thread-fixture.js";

let s: UnitService;
beforeAll(async () => {
  s = await unitService({ memoryMaxBytes: 1024 * 1024 });
});
afterAll(() => s.close());

describe("threads and the memory store's byte bound", () => {
  it("refuses new threads with RESOURCE_EXHAUSTED STORE_FULL once threads fill it, storing nothing, and takes them again after deletes", async () => {
    const big = { blob: "x".repeat(60 * 1024) };
    const made: string[] = [];
    let refused: ConnectError | null = null;
    // 1 MiB of 60 KiB threads: refused within about 17 of them.
    for (let i = 0; i < 40 && !refused; i++) {
      refused = await failure(s.client.threads.createThread({ metadata: big }).then((r) => void made.push(r.thread!.threadId)));
    }
    expect(refused?.code).toBe(Code.ResourceExhausted);
    expect(reasonOf(refused)).toBe("STORE_FULL");
    expect(made.length).toBeGreaterThan(10);
    expect((await s.client.threads.searchThreads({ pageSize: 200 })).threads).toHaveLength(made.length);
    for (const threadId of made.slice(0, 3)) await s.client.threads.deleteThread({ threadId });
    expect((await s.client.threads.createThread({ metadata: big })).thread?.threadId).toBeDefined();
  });
});
