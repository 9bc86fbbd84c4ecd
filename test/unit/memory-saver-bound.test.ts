// --memory-max-checkpoints-per-thread: BoundedMemorySaver keeps a thread's
// latest K checkpoints (the stock MemorySaver kept all, each a full copy of the
// state), and a thread still answers, resumes and rolls back within them.
import { randomUUID } from "node:crypto";
import { describe, expect, it, vi } from "vitest";
import { Command } from "@langchain/langgraph";
import { demoGraph } from "../../src/runtime/demo-graph.js";
import { BoundedMemorySaver } from "../../src/stores/memory-saver.js";
import { unitService, userInput } from "./harness.js";

const turn = (text: string) => ({ messages: [{ role: "user", content: text }] });

function setup(maxCheckpointsPerThread: number) {
  const saver = new BoundedMemorySaver({ maxCheckpointsPerThread });
  const graph = demoGraph.compile({ checkpointer: saver });
  const threadId = randomUUID();
  const config = { configurable: { thread_id: threadId } };
  const stored = () => Object.keys(saver.storage[threadId]?.[""] ?? {}).sort();
  return { saver, graph, threadId, config, stored };
}

describe("BoundedMemorySaver: checkpoints per thread", () => {
  it("keeps only the latest K, the latest always, and their writes only", async () => {
    const { saver, graph, threadId, config, stored } = setup(4);
    // Each demo turn writes 5 checkpoints (the input, then one per step: start, agent, tools, agent).
    for (let i = 0; i < 6; i++) await graph.invoke(turn(`turn ${i}`), config);
    const state = await graph.getState(config);
    expect(stored()).toHaveLength(4);
    expect(stored()).toEqual([...saver.kept(threadId)].sort());
    expect(stored().at(-1)).toBe(state.config.configurable?.["checkpoint_id"]);
    expect(state.values.messages).toHaveLength(24);
    const writeIds = Object.keys(saver.writes).map((k) => JSON.parse(k)[2] as string);
    for (const id of writeIds) expect(stored()).toContain(id);
    // The pruned ones' bytes are gone too: what is counted is what is held.
    let held = 0;
    for (const [cp, meta] of Object.values(saver.storage[threadId]![""]!)) held += cp.length + meta.length;
    for (const w of Object.values(saver.writes)) for (const r of Object.values(w)) held += r[2].length;
    expect(saver.bytes).toBe(held);
    await saver.deleteThread(threadId);
    expect(saver.bytes).toBe(0);
  });

  it("resumes an interrupted run from its latest checkpoint", async () => {
    const { graph, config, stored } = setup(2);
    const interrupting = { configurable: { ...config.configurable, interrupt: true } };
    await graph.invoke(turn("a b c"), interrupting);
    expect((await graph.getState(config)).tasks.some((t) => t.interrupts.length > 0)).toBe(true);
    const done = await graph.invoke(new Command({ resume: "yes" }), interrupting);
    expect(done.messages.at(-1)?.content).toBe("The text has 3 words.");
    expect(stored()).toHaveLength(2);
  });

  it("rolls back to a base within K, as the finisher does (an empty update forked from it)", async () => {
    const { graph, config, stored } = setup(12);
    await graph.invoke(turn("first"), config);
    const base = (await graph.getState(config)).config.configurable?.["checkpoint_id"] as string;
    await graph.invoke(turn("second"), config);
    expect(stored()).toContain(base);
    await graph.updateState({ configurable: { ...config.configurable, checkpoint_id: base } }, undefined);
    const after = await graph.getState(config);
    expect(after.values.messages.map((m: { content: unknown }) => m.content)).toEqual(["first", "", "1", "The text has 1 words."]);
  });

  it("a rollback to a pruned base leaves the thread empty, as for a new thread", async () => {
    const { graph, config, stored } = setup(3);
    await graph.invoke(turn("first"), config);
    const base = (await graph.getState(config)).config.configurable?.["checkpoint_id"] as string;
    await graph.invoke(turn("second"), config);
    expect(stored()).not.toContain(base);
    await graph.updateState({ configurable: { ...config.configurable, checkpoint_id: base } }, undefined);
    expect((await graph.getState(config)).values.messages ?? []).toEqual([]);
    // And the thread goes on from there.
    expect((await graph.invoke(turn("third"), config)).messages).toHaveLength(4);
  });
});

describe("RPC: a long thread on the memory store", () => {
  it("keeps at most K checkpoints however many turns, and still answers", async () => {
    const put = vi.spyOn(BoundedMemorySaver.prototype, "put");
    const s = await unitService({ memoryMaxCheckpointsPerThread: 8 });
    try {
      const threadId = randomUUID();
      let last;
      for (let i = 0; i < 40; i++) last = await s.client.waitRun({ run: { assistantId: "demo", threadId, input: userInput(`turn ${i}`) } });
      const saver = put.mock.contexts[0] as BoundedMemorySaver;
      expect(Object.keys(saver.storage[threadId]![""]!)).toHaveLength(8);
      expect(saver.kept(threadId)).toHaveLength(8);
      // 40 turns of 4 messages each: the state is whole though 192 of its 200 checkpoints are gone.
      expect(last?.values?.["messages"]).toHaveLength(160);
    } finally {
      put.mockRestore();
      await s.close();
    }
  });
});
