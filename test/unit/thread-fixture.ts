// What the thread tests share: one unit service with API-key users (alice
// and bob unless told), and helpers for their runs, history and refusals.
import { afterAll, beforeAll, expect } from "vitest";
import { ConnectError } from "@connectrpc/connect";
import { RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { unitService, userInput, type UnitService } from "./harness.js";

export const failure = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));
export const fieldOf = (error: ConnectError | null) => error?.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field;
export const reasonOf = (error: ConnectError | null) => error?.findDetails(ErrorInfoSchema)[0]?.reason;

/** Polls `check` every 10 ms until it holds; the test's own timeout bounds the wait. */
export async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 10));
}

/** Starts the service before the file's tests and stops it after them; each user's API key is its name. */
export function threadService(users: readonly string[] = ["alice", "bob"]) {
  let s: UnitService;
  beforeAll(async () => {
    s = await unitService({}, { auth: { api_keys: users.map((user) => ({ key: user, user_id: user })) } });
  });
  afterAll(() => s.close());
  const alice = () => s.as("alice");
  return {
    service: () => s,
    /** A client calling as `user` (one of `users`). */
    as: (user: string) => s.as(user),
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
