// Background runs: CreateRun returns at once and the run goes on with no
// client attached; AwaitRun waits for an existing run (the SDK's runs.join),
// and leaving it early never cancels the run.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { endStatus } from "../helpers/events.js";
import { collect, unitService, userInput, type UnitService } from "./harness.js";

let s: UnitService;
beforeAll(async () => {
  s = await unitService({}, { auth: { api_keys: [{ key: "alice", user_id: "alice" }, { key: "bob", user_id: "bob" }] } });
});
afterAll(() => s.close());

const failure = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));

describe("CreateRun", () => {
  it("returns the run at once, and the run ends on its own with nobody attached", async () => {
    const { run } = await s.as("alice").createRun({ run: { assistantId: "demo", input: userInput("in the background"), context: { delay_ms: 200 } } });
    expect([RunStatus.PENDING, RunStatus.RUNNING]).toContain(run?.status);
    await expect.poll(async () => (await s.as("alice").getRun({ runId: run!.runId })).run?.status).toBe(RunStatus.SUCCESS);
    expect(endStatus(await collect(s.as("alice").joinRun({ runId: run!.runId })))).toBe(RunStatus.SUCCESS);
  });

  it("refuses what WaitRun refuses", async () => {
    const error = await failure(s.as("alice").createRun({ run: { assistantId: "nope" } }));
    expect(error?.code).toBe(Code.NotFound);
    expect((await failure(s.as("alice").createRun({})))?.rawMessage).toBe("run: value is required");
  });
});

describe("AwaitRun", () => {
  it("returns what WaitRun returns once the run ends: the run, the thread's values, the error", async () => {
    const { run } = await s.as("alice").createRun({ run: { assistantId: "demo", input: userInput("three words here"), context: { delay_ms: 100 } } });
    const awaited = await s.as("alice").awaitRun({ runId: run!.runId });
    expect(awaited.run?.status).toBe(RunStatus.SUCCESS);
    expect(JSON.stringify(awaited.values)).toContain("The text has 3 words.");
    const failed = await s.as("alice").createRun({ run: { assistantId: "demo", input: userInput("x"), context: { fail: "broken" } } });
    const error = await s.as("alice").awaitRun({ runId: failed.run!.runId });
    expect(error.run?.status).toBe(RunStatus.ERROR);
    expect(error.error?.message).toBe("broken");
  });

  it("answers at once for a run that already ended", async () => {
    const { run } = await s.as("alice").waitRun({ run: { assistantId: "demo", input: userInput("done") } });
    expect((await s.as("alice").awaitRun({ runId: run!.runId })).run?.status).toBe(RunStatus.SUCCESS);
  });

  it("leaves the run going when the caller gives up (its deadline passes)", async () => {
    const { run } = await s.as("alice").createRun({ run: { assistantId: "demo", input: userInput("slow"), context: { delay_ms: 30_000 } } });
    const gaveUp = await failure(s.as("alice").awaitRun({ runId: run!.runId }, { timeoutMs: 200 }));
    expect(gaveUp?.code).toBe(Code.DeadlineExceeded);
    expect((await s.as("alice").getRun({ runId: run!.runId })).run?.status).toBe(RunStatus.RUNNING);
    await s.as("alice").cancelRun({ runId: run!.runId, wait: true });
  });

  it("is another user's NOT_FOUND", async () => {
    const { run } = await s.as("alice").createRun({ run: { assistantId: "demo", input: userInput("mine") } });
    const error = await failure(s.as("bob").awaitRun({ runId: run!.runId }));
    expect(error?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("RUN_NOT_FOUND");
  });
});
