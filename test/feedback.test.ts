import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { summarize } from "../src/application/feedback.js";
import { startTestServer, userInput, type TestServer } from "./helpers/server.js";

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

async function newRun() {
  const res = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("rate me") } });
  return res.run!;
}

async function errorOf(p: Promise<unknown>): Promise<ConnectError> {
  const error = await p.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}

describe("feedback", () => {
  it("is created, listed and deleted", async () => {
    const run = await newRun();
    const messages = await t.connectJson.listRunMessages({ runId: run.runId });
    const messageId = messages.messages.at(-1)!.message!["id"] as string;
    const { feedback } = await t.grpc.createRunFeedback({ runId: run.runId, rating: 1, comment: "good", messageId });
    expect(feedback).toMatchObject({ runId: run.runId, threadId: run.threadId, userId: "local", rating: 1, comment: "good", messageId });
    const list = await t.grpc.listRunFeedback({ runId: run.runId });
    expect(list.feedback.map((f) => f.feedbackId)).toEqual([feedback!.feedbackId]);
    await t.grpc.deleteRunFeedback({ runId: run.runId, feedbackId: feedback!.feedbackId });
    expect((await t.grpc.listRunFeedback({ runId: run.runId })).feedback).toEqual([]);
  });

  it("is one per (run, user): a second create answers ALREADY_EXISTS and changes nothing", async () => {
    const run = await newRun();
    const first = await t.connectJson.createRunFeedback({ runId: run.runId, rating: -1 });
    const error = await errorOf(t.connectJson.createRunFeedback({ runId: run.runId, rating: 1, comment: "changed my mind" }));
    expect(error.code).toBe(Code.AlreadyExists);
    const list = await t.connectJson.listRunFeedback({ runId: run.runId });
    expect(list.feedback).toHaveLength(1);
    expect(list.feedback[0]).toMatchObject({ feedbackId: first.feedback!.feedbackId, rating: -1, comment: "" });
  });

  it("can be written again after a delete", async () => {
    const run = await newRun();
    const first = await t.connectJson.createRunFeedback({ runId: run.runId, rating: 1 });
    await t.connectJson.deleteRunFeedback({ runId: run.runId, feedbackId: first.feedback!.feedbackId });
    const second = await t.connectJson.createRunFeedback({ runId: run.runId, rating: -1 });
    expect(second.feedback?.rating).toBe(-1);
  });

  it.each([
    [{ rating: 0 }, "rating"],
    [{ rating: 2 }, "rating"],
    [{ rating: -5 }, "rating"],
    [{ rating: 1, comment: "x".repeat(4097) }, "comment"],
    [{ rating: 1, messageId: "not-a-message" }, "message_id"],
  ])("refuses %o with INVALID_ARGUMENT naming %s", async (req, field) => {
    const run = await newRun();
    const error = await errorOf(t.connectJson.createRunFeedback({ runId: run.runId, ...req }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage.startsWith(`${field}:`)).toBe(true);
    expect((await t.connectJson.listRunFeedback({ runId: run.runId })).feedback).toEqual([]);
  });

  it("is set by UpdateRunFeedback: created when absent, then updated in place (id and create time kept)", async () => {
    const run = await newRun();
    const messages = await t.connectJson.listRunMessages({ runId: run.runId });
    const messageId = messages.messages.at(-1)!.message!["id"] as string;
    const created = (await t.grpc.updateRunFeedback({ runId: run.runId, rating: 1, comment: "good", messageId })).feedback!;
    expect(created).toMatchObject({ runId: run.runId, threadId: run.threadId, userId: "local", rating: 1, comment: "good", messageId });
    const updated = (await t.connectJson.updateRunFeedback({ runId: run.runId, rating: -1 })).feedback!;
    expect(updated).toMatchObject({ feedbackId: created.feedbackId, rating: -1, comment: "", messageId: "" });
    expect(updated.createTime).toEqual(created.createTime);
    const again = await t.grpcWeb.updateRunFeedback({ runId: run.runId, rating: -1 });
    expect(again.feedback).toEqual(updated);
    const list = await t.connectJson.listRunFeedback({ runId: run.runId });
    expect(list.feedback).toEqual([updated]);
    // CreateRunFeedback still refuses a second one.
    expect((await errorOf(t.connectJson.createRunFeedback({ runId: run.runId, rating: 1 }))).code).toBe(Code.AlreadyExists);
  });

  it("sums a run's feedback in ListRunFeedback's summary", async () => {
    const run = await newRun();
    expect((await t.connectJson.listRunFeedback({ runId: run.runId })).summary).toMatchObject({ total: 0, positive: 0, negative: 0 });
    await t.connectJson.updateRunFeedback({ runId: run.runId, rating: 1 });
    expect((await t.grpc.listRunFeedback({ runId: run.runId })).summary).toMatchObject({ total: 1, positive: 1, negative: 0 });
    await t.connectJson.updateRunFeedback({ runId: run.runId, rating: -1 });
    expect((await t.grpc.listRunFeedback({ runId: run.runId })).summary).toMatchObject({ total: 1, positive: 0, negative: 1 });
    // Over several users' feedback (one run can only gather its owner's through the API).
    const of = (rating: 1 | -1) => ({ feedbackId: "f", runId: "r", threadId: "t", userId: "u", messageId: null, rating, comment: null, createdAt: new Date() });
    expect(summarize([of(1), of(-1), of(1)])).toEqual({ total: 3, positive: 2, negative: 1 });
  });

  it.each([
    [{ rating: 0 }, "rating"],
    [{ rating: 1, comment: "x".repeat(4097) }, "comment"],
    [{ rating: 1, messageId: "not-a-message" }, "message_id"],
  ])("UpdateRunFeedback refuses %o with INVALID_ARGUMENT naming %s, storing nothing", async (req, field) => {
    const run = await newRun();
    const error = await errorOf(t.connectJson.updateRunFeedback({ runId: run.runId, ...req }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage.startsWith(`${field}:`)).toBe(true);
    expect((await t.connectJson.listRunFeedback({ runId: run.runId })).feedback).toEqual([]);
  });

  it("answers NOT_FOUND for unknown runs and unknown feedback", async () => {
    const unknown = "8d7c6b5a-0000-4000-8000-000000000000";
    expect((await errorOf(t.connectJson.createRunFeedback({ runId: unknown, rating: 1 }))).code).toBe(Code.NotFound);
    expect((await errorOf(t.connectJson.listRunFeedback({ runId: unknown }))).code).toBe(Code.NotFound);
    expect((await errorOf(t.connectJson.updateRunFeedback({ runId: unknown, rating: 1 }))).code).toBe(Code.NotFound);
    const run = await newRun();
    expect((await errorOf(t.connectJson.deleteRunFeedback({ runId: run.runId, feedbackId: unknown }))).code).toBe(Code.NotFound);
    expect((await errorOf(t.connectJson.deleteRunFeedback({ runId: run.runId, feedbackId: "" }))).code).toBe(Code.InvalidArgument);
  });
});
