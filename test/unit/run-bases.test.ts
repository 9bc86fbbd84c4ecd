// RunBases: a run's rollback base is the checkpoint LangGraph itself loads when
// the run starts, noted by the checkpointer the graphs are compiled with, so
// the executor reads nothing of its own for it.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Annotation, MemorySaver, StateGraph } from "@langchain/langgraph";
import { RunBases } from "../../src/runtime/run-bases.js";

const State = Annotation.Root({ n: Annotation<number>({ reducer: (_, b) => b, default: () => 0 }) });
const inner = new StateGraph(State).addNode("inc", (s) => ({ n: s.n + 1 })).addEdge("__start__", "inc").compile();

function setup() {
  const saver = new MemorySaver();
  const bases = new RunBases();
  const graph = new StateGraph(State).addNode("sub", inner).addEdge("__start__", "sub").compile({ checkpointer: bases.noting(saver) });
  const threadId = randomUUID();
  const run = async (runId: string, extra: Record<string, unknown> = {}) => {
    bases.watch(runId);
    await graph.invoke({ n: 1 }, { configurable: { thread_id: threadId, run_id: runId, ...extra } });
    return bases.take(runId);
  };
  const latest = async () => (await saver.getTuple({ configurable: { thread_id: threadId } }))?.config.configurable?.["checkpoint_id"] as string;
  return { saver, bases, graph, threadId, run, latest };
}

describe("RunBases", () => {
  it("notes no checkpoint for a run on a new thread, then the thread's latest for the next run", async () => {
    const { run, latest } = setup();
    expect(await run("r1")).toEqual({ read: true, checkpointId: null });
    const before = await latest();
    expect(await run("r2")).toEqual({ read: true, checkpointId: before });
    expect(await latest()).not.toBe(before);
  });

  it("says nothing was read for a watched run LangGraph never loaded, and forgets a taken run", async () => {
    const { bases, run } = setup();
    bases.watch("never-called");
    expect(await bases.take("never-called")).toEqual({ read: false });
    await run("r1");
    expect(await bases.take("r1")).toEqual({ read: false });
  });

  it("ignores loads of runs it does not watch, of a given checkpoint and of a subgraph's namespace", async () => {
    const { saver, bases, graph, threadId, latest } = setup();
    await graph.invoke({ n: 1 }, { configurable: { thread_id: threadId, run_id: "unwatched" } });
    expect(await bases.take("unwatched")).toEqual({ read: false });
    const noting = bases.noting(saver);
    bases.watch("r");
    await noting.getTuple({ configurable: { thread_id: threadId, run_id: "r", checkpoint_id: await latest() } });
    await noting.getTuple({ configurable: { thread_id: threadId, run_id: "r", checkpoint_ns: "sub:1" } });
    expect(await bases.take("r")).toEqual({ read: false });
  });

  it("keeps the first root load of a run: a later one (a node reading its thread) is not the base", async () => {
    const { saver, bases, threadId, run, latest } = setup();
    await run("r1");
    const before = await latest();
    const noting = bases.noting(saver);
    bases.watch("r2");
    await noting.getTuple({ configurable: { thread_id: threadId, run_id: "r2" } });
    await run("r0");
    await noting.getTuple({ configurable: { thread_id: threadId, run_id: "r2" } });
    expect(await latest()).not.toBe(before);
    expect(await bases.take("r2")).toEqual({ read: true, checkpointId: before });
  });
});
