// Queued runs are started by the release of the run ahead of them, and only
// when that release says runs may be queued (the thread's mark, set by the
// refused acquire): no look after a run nobody queued behind. These would hang
// (and time out) if the mark ever left a run queued unseen: the lease is made
// so long that the lease keeper's sweep of old pending runs cannot start them.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MultitaskStrategy, RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { unitService, userInput, type UnitService } from "./harness.js";

let s: UnitService;
beforeAll(async () => {
  s = await unitService({ leaseMs: 600_000 });
});
afterAll(() => s.close());

const run = (threadId: string, text: string, strategy: MultitaskStrategy, delayMs = 0) =>
  s.client.waitRun({ run: { assistantId: "demo", threadId, input: userInput(text), multitaskStrategy: strategy, ...(delayMs > 0 && { context: { delay_ms: delayMs } }) } });

/** Whether the thread's mark says runs may be queued (a release of no run answers it and changes nothing). */
const marked = (threadId: string) => s.app.stores.threads.release(threadId, "no-such-run");

describe("queued runs", () => {
  it("all start, one after another, from the releases alone, however many were queued; the last look clears the mark", async () => {
    const threadId = randomUUID();
    const first = run(threadId, "first", MultitaskStrategy.REJECT, 200);
    await expect.poll(async () => (await s.app.stores.threads.get(threadId))?.status).toBe("busy");
    const queued = await Promise.all(Array.from({ length: 6 }, (_, i) => run(threadId, `queued ${i}`, MultitaskStrategy.ENQUEUE)));
    expect((await first).run?.status).toBe(RunStatus.SUCCESS);
    expect(queued.map((q) => q.run?.status)).toEqual(Array(6).fill(RunStatus.SUCCESS));
    expect(await marked(threadId)).toBe(false);
    // A run nobody queued behind leaves no mark: its end looks for nothing.
    expect((await run(threadId, "alone", MultitaskStrategy.REJECT)).run?.status).toBe(RunStatus.SUCCESS);
    expect(await marked(threadId)).toBe(false);
  });

  it("start when created just as the run ahead ends, whichever comes first", async () => {
    for (let round = 0; round < 20; round++) {
      const threadId = randomUUID();
      const ahead = run(threadId, "ahead", MultitaskStrategy.REJECT);
      // A few event-loop turns apart, so the create lands before, during or after the release.
      for (let turn = 0; turn < round % 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      const behind = await run(threadId, "behind", MultitaskStrategy.ENQUEUE);
      expect(behind.run?.status).toBe(RunStatus.SUCCESS);
      expect((await ahead).run?.status).toBe(RunStatus.SUCCESS);
    }
  });

  it("an interrupting run starts once the run it cancelled has released the thread", async () => {
    const threadId = randomUUID();
    const first = run(threadId, "first", MultitaskStrategy.REJECT, 30_000);
    await expect.poll(async () => (await s.app.stores.threads.get(threadId))?.status).toBe("busy");
    const second = await run(threadId, "second", MultitaskStrategy.INTERRUPT);
    expect(second.run?.status).toBe(RunStatus.SUCCESS);
    expect((await first).run?.status).toBe(RunStatus.INTERRUPTED);
  });
});
