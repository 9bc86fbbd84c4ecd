// The benchmark's trivial graph: one state field, one node that echoes it.
// The same file is served by agent-runs (--graphs bench/langgraph.json) and by
// the JS LangGraph server (bench/anchors/js); bench/anchors/py/echo_graph.py is
// its Python twin. No model, no I/O: what is measured is the server around it.
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";

export const EchoState = Annotation.Root({
  value: Annotation<string>(),
});

/** An uncompiled builder: each server attaches its own checkpointer. */
export const graph = new StateGraph(EchoState)
  .addNode("echo", (state: typeof EchoState.State) => ({ value: state.value }))
  .addEdge(START, "echo")
  .addEdge("echo", END);
