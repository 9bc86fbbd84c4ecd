// The contract's protovalidate rules, enforced by src/server/validate.ts on
// every request, unary and streaming, before a handler sees it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { collect, unitService, userInput, type UnitService } from "./harness.js";

let s: UnitService;
beforeAll(async () => {
  s = await unitService();
});
afterAll(() => s.close());

const refusal = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));

describe("validation declared in the proto", () => {
  it("names the first violated field in the message and lists every violation in BadRequest", async () => {
    const error = await refusal(
      s.client.waitRun({ run: { assistantId: "", threadId: "no spaces please", streamMode: [1, 99 as never], checkpointId: "a b" } }),
    );
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage).toBe("run.assistant_id: value is required");
    const fields = error?.findDetails(BadRequestSchema)[0]?.fieldViolations.map((v) => v.field);
    expect(fields).toEqual(["run.assistant_id", "run.thread_id", "run.stream_mode[1]", "run.checkpoint_id"]);
    expect(error?.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: "INVALID_ARGUMENT", metadata: { field: "run.assistant_id" } });
  });

  it("checks streaming requests too", async () => {
    const error = await refusal(collect(s.client.streamRun({})));
    expect(error?.rawMessage).toBe("run: value is required");
    const joined = await refusal(collect(s.client.joinRun({ runId: "x", lastEventId: -1n })));
    expect(joined?.rawMessage.startsWith("last_event_id:")).toBe(true);
  });

  it.each([
    ["rating outside {1, -1}", () => s.client.createRunFeedback({ runId: "r", rating: 2 }), "rating"],
    ["comment over 4096 characters", () => s.client.createRunFeedback({ runId: "r", rating: 1, comment: "c".repeat(4097) }), "comment"],
    ["limit 0", () => s.client.listRunMessages({ runId: "r", limit: 0 }), "limit"],
    ["limit 201", () => s.client.listRunMessages({ runId: "r", limit: 201 }), "limit"],
    ["before_seq 0", () => s.client.listRunMessages({ runId: "r", beforeSeq: 0n }), "before_seq"],
    ["an unknown cancel action", () => s.client.cancelRun({ runId: "r", action: 9 as never }), "action"],
    ["a control character in an id", () => s.client.getRun({ runId: "a\u0001b" }), "run_id"],
  ])("refuses %s", async (_name, call, field) => {
    const error = await refusal((call as () => Promise<unknown>)());
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.rawMessage.startsWith(`${field}:`)).toBe(true);
  });

  it("lets a valid request through to the semantic checks and the handler", async () => {
    const unknown = await refusal(s.client.waitRun({ run: { assistantId: "nope", input: userInput("x") } }));
    expect(unknown?.code).toBe(Code.NotFound);
    const ok = await s.client.waitRun({ run: { assistantId: "demo", threadId: "A1_b-2", input: userInput("valid") } });
    expect(ok.run?.threadId).toBe("A1_b-2");
  });
});
