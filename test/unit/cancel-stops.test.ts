// Cancelling a run stops its work, not only its record: a demo run writing a
// burst of custom events is cancelled mid-burst (by CancelRun, by its client
// leaving, by the drain) and ends INTERRUPTED with the rest of the burst never
// handed over. Before the reader checked the signal, the whole burst went on
// and the run ended SUCCESS.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { OnDisconnect, RunStatus, StreamMode, type StreamRunResponse } from "../../gen/agentruns/v1/runs_pb.js";
import { unitService, userInput, type UnitService } from "./harness.js";

/** Within the demo's cap on custom_events whatever it is lowered to (10,000 at most). */
const BURST = 10_000;

const burstRun = (onDisconnect: OnDisconnect, threadId = randomUUID()) => ({
  run: { assistantId: "demo", threadId, input: userInput("burst"), streamMode: [StreamMode.CUSTOM], context: { custom_events: BURST }, onDisconnect },
});

/** Reads a StreamRun until its first custom event, leaving the stream open; returns the run id. */
async function untilFirstCustom(stream: AsyncIterable<StreamRunResponse>): Promise<string> {
  const iterator = stream[Symbol.asyncIterator]();
  let runId = "";
  for (;;) {
    const { value, done } = await iterator.next();
    if (done) throw new Error("the run ended before its first custom event");
    if (value.payload.case !== "event") continue;
    const kind = value.payload.value.kind;
    if (kind.case === "metadata") runId = kind.value.runId;
    if (kind.case === "part" && kind.value.mode === StreamMode.CUSTOM) return runId;
  }
}

async function partsStored(s: UnitService, runId: string): Promise<number> {
  const rows = await s.app.stores.events.listRunEvents(runId, 0, BURST * 2);
  return rows.filter((row) => row.kind === "part").length;
}

async function statusOf(s: UnitService, runId: string): Promise<RunStatus | undefined> {
  return (await s.client.getRun({ runId })).run?.status;
}

describe("cancelling a run mid-burst", () => {
  it("CancelRun ends it INTERRUPTED, the rest of the burst never written", async () => {
    const s = await unitService();
    try {
      const runId = await untilFirstCustom(s.client.streamRun(burstRun(OnDisconnect.CONTINUE)));
      const cancelled = await s.client.cancelRun({ runId, wait: true });
      expect(cancelled.run?.status).toBe(RunStatus.INTERRUPTED);
      expect(await partsStored(s, runId)).toBeLessThan(BURST);
    } finally {
      await s.close();
    }
  });

  it("a WaitRun caller that leaves (on_disconnect cancel) stops it", async () => {
    const s = await unitService();
    try {
      const abort = new AbortController();
      const threadId = randomUUID();
      const waiting = s.client.waitRun(burstRun(OnDisconnect.CANCEL, threadId), { signal: abort.signal }).catch((e: unknown) => e);
      // Leave once the burst is being written.
      let runId = "";
      await expect
        .poll(async () => {
          runId = (await s.app.stores.runs.listByThread(threadId, ["running"]))[0]?.runId ?? runId;
          return runId !== "" && (await partsStored(s, runId)) > 0;
        })
        .toBe(true);
      abort.abort();
      await waiting;
      await expect.poll(() => statusOf(s, runId)).toBe(RunStatus.INTERRUPTED);
      expect(await partsStored(s, runId)).toBeLessThan(BURST);
    } finally {
      await s.close();
    }
  });

  it("the drain stops it once its grace is over, and nothing is written after", async () => {
    const s = await unitService({ drainMs: 0 });
    const runId = await untilFirstCustom(s.client.streamRun(burstRun(OnDisconnect.CONTINUE)));
    await s.app.application.drain(0);
    const parts = await partsStored(s, runId);
    expect(await statusOf(s, runId)).toBe(RunStatus.INTERRUPTED);
    expect(parts).toBeLessThan(BURST);
    await s.close();
    expect(await partsStored(s, runId)).toBe(parts);
  });
});
