// A thread's status after runs that stop at an interrupt where the demo graph
// has none: inside a subgraph, and in one of two parallel branches (the other
// one's update may come after the interrupt). Streamed subgraphs or not, the
// thread is INTERRUPTED, and IDLE once the resume finishes.
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { ThreadStatus } from "../../gen/agentruns/v1/threads_pb.js";
import { unitService, userInput, type UnitService } from "./harness.js";

const GRAPHS = fileURLToPath(new URL("../fixtures/thread-status-graphs/langgraph.json", import.meta.url));
let s: UnitService;
beforeAll(async () => {
  s = await unitService({ graphsFile: GRAPHS });
});
afterAll(() => s.close());

describe("thread status at interrupts beyond the demo graph's", () => {
  for (const assistantId of ["subgraph_interrupt", "parallel_interrupt"]) {
    for (const streamSubgraphs of [false, true]) {
      it(`${assistantId}, stream_subgraphs ${streamSubgraphs}: interrupted, then idle after the resume`, async () => {
        const { run } = await s.client.waitRun({ run: { assistantId, input: userInput("hi"), streamSubgraphs } });
        expect(run?.status).toBe(RunStatus.SUCCESS);
        const status = async () => (await s.client.threads.getThread({ threadId: run!.threadId })).thread?.status;
        expect(await status()).toBe(ThreadStatus.INTERRUPTED);
        const resumed = await s.client.waitRun({ run: { assistantId, threadId: run!.threadId, command: { resume: "yes" }, streamSubgraphs } });
        expect(resumed.run?.status).toBe(RunStatus.SUCCESS);
        expect(await status()).toBe(ThreadStatus.IDLE);
      });
    }
  }
});
