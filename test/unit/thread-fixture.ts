// What the thread state tests share: one unit service with two API-key
// users, and helpers for their runs, history and refusals.
import { afterAll, beforeAll, expect } from "vitest";
import { ConnectError } from "@connectrpc/connect";
import { RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { unitService, userInput, type UnitService } from "./harness.js";

export const failure = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));
export const fieldOf = (error: ConnectError | null) => error?.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field;
export const reasonOf = (error: ConnectError | null) => error?.findDetails(ErrorInfoSchema)[0]?.reason;

/** Starts the service before the file's tests and stops it after them. */
export function threadService() {
  let s: UnitService;
  beforeAll(async () => {
    s = await unitService({}, { auth: { api_keys: [{ key: "alice", user_id: "alice" }, { key: "bob", user_id: "bob" }] } });
  });
  afterAll(() => s.close());
  const alice = () => s.as("alice");
  return {
    service: () => s,
    alice,
    bob: () => s.as("bob"),
    /** A finished demo run on a new (or the given) thread of alice's; returns the thread id. */
    async demoRun(text: string, extra: Record<string, unknown> = {}): Promise<string> {
      const { run } = await alice().waitRun({ run: { assistantId: "demo", input: userInput(text), ...extra } });
      expect(run?.status).toBe(RunStatus.SUCCESS);
      return run!.threadId;
    },
    /** Every checkpoint of the thread, newest first, in one page. */
    async allHistory(threadId: string, client = alice()) {
      return (await client.threads.listThreadHistory({ threadId, pageSize: 200 })).states;
    },
  };
}
