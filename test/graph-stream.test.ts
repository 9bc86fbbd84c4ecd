// How the runtime reads a graph: every chunk in order, the node's config
// available to it, the run's config honoured, and a burst of chunks never
// holding the event loop until the burst is over (sockets must get turns).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Annotation, END, MemorySaver, RunControl, START, StateGraph, getConfig, isGraphDrained, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { streamGraph, type StreamableGraph } from "../src/runtime/graph-stream.js";
import { GraphRegistry } from "../src/runtime/graphs.js";

const State = Annotation.Root({ count: Annotation<number>(), seen: Annotation<string>() });

function burstGraph() {
  return new StateGraph(State)
    .addNode("burst", (state: typeof State.State, config: LangGraphRunnableConfig) => {
      for (let i = 0; i < state.count; i++) config.writer?.({ i });
      return { seen: String(getConfig()?.configurable?.["thread_id"] ?? "") };
    })
    .addEdge(START, "burst")
    .addEdge("burst", END)
    .compile({ checkpointer: new MemorySaver() }) as unknown as StreamableGraph & {
    getState(config: { configurable: Record<string, unknown> }): Promise<{ values: Record<string, unknown> }>;
  };
}

describe("streamGraph", () => {
  it("hands every chunk over in order, then the node's update, with the node seeing its config", async () => {
    const graph = burstGraph();
    const threadId = randomUUID();
    const chunks: Array<[string, unknown]> = [];
    await streamGraph(graph, { count: 500 }, { configurable: { thread_id: threadId }, streamMode: ["custom", "updates"] }, (chunk) => {
      chunks.push(chunk as [string, unknown]);
    });
    const custom = chunks.filter(([mode]) => mode === "custom").map(([, data]) => (data as { i: number }).i);
    expect(custom).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(chunks.at(-1)).toEqual(["updates", { burst: { seen: threadId } }]);
    expect((await graph.getState({ configurable: { thread_id: threadId } })).values).toEqual({ count: 500, seen: threadId });
  });

  it("gives the event loop turns during a burst instead of after it", async () => {
    const graph = burstGraph();
    const COUNT = 50_000;
    // The node writes every chunk at once, so without the slicing no callback could run until the last
    // chunk was handed over. A callback queued before the burst records how many chunks were handed over
    // when it ran; a chain of immediates records it at each turn of the loop.
    let handed = 0;
    let timerAt: number | undefined;
    const turnsAt: number[] = [];
    let looping = true;
    const spin = () => {
      turnsAt.push(handed);
      if (looping) setImmediate(spin);
    };
    setTimeout(() => (timerAt = handed), 0);
    setImmediate(spin);
    await streamGraph(graph, { count: COUNT }, { configurable: { thread_id: randomUUID() }, streamMode: ["custom"] }, () => {
      handed++;
    });
    looping = false;
    expect(handed).toBe(COUNT);
    // The timer ran before the burst was over.
    expect(timerAt).toBeLessThan(COUNT);
    // The loop got turns in the middle of the burst, at several points of it, not once.
    const during = new Set(turnsAt.filter((n) => n > 0 && n < COUNT));
    expect(during.size).toBeGreaterThan(1);
  });

  it("stops with the run's signal", async () => {
    const graph = burstGraph();
    const abort = new AbortController();
    abort.abort(new Error("cancelled by the test"));
    await expect(
      streamGraph(graph, { count: 10 }, { configurable: { thread_id: randomUUID() }, signal: abort.signal }, () => {}),
    ).rejects.toThrow();
  });

  it("stops at the next chunk once the signal aborts mid-burst, rejecting with the signal's reason", async () => {
    const graph = burstGraph();
    const abort = new AbortController();
    const reason = new Error("cancelled mid-burst");
    let handed = 0;
    let afterAbort = 0;
    const read = streamGraph(graph, { count: 10_000 }, { configurable: { thread_id: randomUUID() }, streamMode: ["custom"], signal: abort.signal }, () => {
      if (abort.signal.aborted) afterAbort++;
      if (++handed === 100) abort.abort(reason);
    });
    await expect(read).rejects.toBe(reason);
    // The chunk that aborted was the last one handed over: the 9,900 chunks already queued are dropped.
    expect(handed).toBe(100);
    expect(afterAbort).toBe(0);
  });

  it("stops between slices when the signal aborts from outside the reader", async () => {
    const graph = burstGraph();
    const COUNT = 50_000;
    const abort = new AbortController();
    let handed = 0;
    let atAbort = -1;
    // Aborted from the event loop (as CancelRun, a disconnect or the drain would), at the first turn the reader yields.
    setImmediate(() => {
      atAbort = handed;
      abort.abort(new Error("cancelled from outside"));
    });
    const read = streamGraph(graph, { count: COUNT }, { configurable: { thread_id: randomUUID() }, streamMode: ["custom"], signal: abort.signal }, () => {
      handed++;
    });
    await expect(read).rejects.toThrow("cancelled from outside");
    expect(atAbort).toBeGreaterThanOrEqual(0);
    // Not one chunk after the abort: the reader checks the signal on resuming from its slice break.
    expect(handed - atAbort).toBe(0);
    expect(handed).toBeLessThan(COUNT);
  });

  it("reads a compiled graph registered as is, which gets the service's checkpointer", async () => {
    const saver = new MemorySaver();
    const registry = new GraphRegistry(saver);
    const compiled = new StateGraph(State)
      .addNode("burst", (state: typeof State.State) => ({ seen: `count ${state.count}` }))
      .addEdge(START, "burst")
      .addEdge("burst", END)
      .compile();
    registry.register("compiled", compiled);
    const registered = registry.get("compiled")!;
    expect(registered.graph).toBe(compiled);
    expect([...registered.nodeNames]).toEqual(["burst"]);
    const threadId = randomUUID();
    await streamGraph(registered.graph, { count: 2 }, { configurable: { thread_id: threadId }, streamMode: ["values"] }, () => {});
    expect((await registered.graph.getState({ configurable: { thread_id: threadId } })).values).toEqual({ count: 2, seen: "count 2" });
    // Stored by the service's checkpointer (the graph holds it through run-bases.ts's noting wrapper).
    expect((await saver.getTuple({ configurable: { thread_id: threadId } }))?.checkpoint.channel_values).toMatchObject({ count: 2 });
  });

  it("takes every chunk of a drained graph's last step, which LangGraph's stream would drop once it errors", async () => {
    const Steps = Annotation.Root({ n: Annotation<number>({ reducer: (_before, after) => after, default: () => 0 }) });
    const control = new RunControl();
    const graph = new StateGraph(Steps)
      .addNode("step", async (state: typeof Steps.State, config: LangGraphRunnableConfig) => {
        await new Promise((resolve) => setTimeout(resolve, 40));
        config.writer?.({ step: state.n + 1 });
        return { n: state.n + 1 };
      })
      .addEdge(START, "step")
      .addConditionalEdges("step", (state: typeof Steps.State) => (state.n >= 5 ? END : "step"), ["step", END])
      .compile({ checkpointer: new MemorySaver() }) as unknown as StreamableGraph;
    const chunks: unknown[] = [];
    const options = { configurable: { thread_id: randomUUID() }, streamMode: ["values", "updates", "custom"], control };
    // A reader slow enough to use up its slice on every chunk (as one storing a burst is).
    const slowReader = (chunk: unknown) => {
      chunks.push(chunk);
      const until = performance.now() + 5;
      while (performance.now() < until);
    };
    // Asked while a step is under way (as SIGTERM comes): the graph stops once it is done.
    setTimeout(() => control.requestDrain("test"), 60);
    const read = streamGraph(graph, { n: 0 }, options, slowReader, () => control.drainRequested);
    await expect(read.catch((error: unknown) => isGraphDrained(error))).resolves.toBe(true);
    // The step under way ran to its end, then the graph stopped: its update and the state after it are both here.
    const [, last] = [...chunks].reverse().find((chunk) => (chunk as string[])[0] === "custom") as [string, { step: number }];
    expect(last.step).toBeLessThan(5);
    expect(chunks.slice(-3)).toEqual([["custom", { step: last.step }], ["updates", { step: { n: last.step } }], ["values", { n: last.step }]]);
  });
});
