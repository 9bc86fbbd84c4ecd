// A run's time limit: `timeout_seconds`, else the server's --run-timeout-s.
// Past it the run stops and ends RUN_STATUS_TIMEOUT, with an error saying so.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { endStatus, events } from "../helpers/events.js";
import { collect, unitService, userInput, type UnitService } from "./harness.js";

let s: UnitService;
beforeAll(async () => {
  s = await unitService({ runTimeoutSeconds: 1 });
});
afterAll(() => s.close());

const slow = { assistantId: "demo", input: userInput("slow"), context: { delay_ms: 60_000 } };

describe("run time limits", () => {
  it("ends a run that outlives its timeout_seconds with RUN_STATUS_TIMEOUT, and says why", async () => {
    const res = await s.client.waitRun({ run: { ...slow, timeoutSeconds: 1 } });
    expect(res.run?.status).toBe(RunStatus.TIMEOUT);
    expect(res.error).toMatchObject({ name: "RunTimeout", message: "the run exceeded its time limit of 1 s" });
    expect((await s.client.getRun({ runId: res.run!.runId })).run?.status).toBe(RunStatus.TIMEOUT);
  });

  it("applies the server's --run-timeout-s when the request names none, and streams the error then the end", async () => {
    const streamed = await collect(s.client.streamRun({ run: slow }));
    expect(endStatus(streamed)).toBe(RunStatus.TIMEOUT);
    const kinds = events(streamed).map((e) => e.kind.case);
    expect(kinds.slice(-2)).toEqual(["error", "end"]);
  });

  it("leaves a run within its limit alone", async () => {
    const res = await s.client.waitRun({ run: { assistantId: "demo", input: userInput("quick"), timeoutSeconds: 60 } });
    expect(res.run?.status).toBe(RunStatus.SUCCESS);
  });

  it.each([0, -1, 604_801])("refuses timeout_seconds %i naming the field", async (timeoutSeconds) => {
    const error = await s.client.waitRun({ run: { ...slow, timeoutSeconds } }).catch((e: unknown) => ConnectError.from(e));
    expect((error as ConnectError).code).toBe(Code.InvalidArgument);
    expect((error as ConnectError).rawMessage.startsWith("run.timeout_seconds:")).toBe(true);
  });
});
