// Graphs that fail in ways String() and Error checks do not expect still end
// their run ERROR, and the server goes on serving (the event loop is not held).
import { describe, expect, it } from "vitest";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
import { RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { unitService, userInput } from "./harness.js";

function throwing(value: () => unknown) {
  return new StateGraph(MessagesAnnotation)
    .addNode("fail", () => {
      throw value();
    })
    .addEdge(START, "fail")
    .addEdge("fail", END);
}

describe("a graph that throws", () => {
  it.each([
    ["a null-prototype object (String() throws)", () => Object.create(null) as unknown],
    ["an object whose toString throws", () => ({ toString: () => { throw new Error("no text"); } })],
    ["undefined", () => undefined],
  ])("%s ends its run ERROR and the server keeps answering", async (_name, value) => {
    const s = await unitService();
    try {
      s.app.application.graphs.register("thrower", throwing(value));
      const waited = await s.client.waitRun({ run: { assistantId: "thrower", input: userInput("x") } });
      expect(waited.run?.status).toBe(RunStatus.ERROR);
      expect(waited.error?.message).toEqual(expect.any(String));
      // The same service still runs other graphs.
      expect((await s.client.waitRun({ run: { assistantId: "demo", input: userInput("still here") } })).run?.status).toBe(RunStatus.SUCCESS);
    } finally {
      await s.close();
    }
  });
});
