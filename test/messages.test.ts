// ListRunMessages paging exactly as SPEC.md states it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { expectStrictlyIncreasing } from "./helpers/events.js";
import { startTestServer, userInput, type TestServer } from "./helpers/server.js";

let t: TestServer;
let runId: string;
let all: bigint[];
/** A run with more messages than a default page: 60 inputs, then the AI, tool and AI messages. */
let longRunId: string;
let longAll: bigint[];
beforeAll(async () => {
  t = await startTestServer();
  const texts = Array.from({ length: 10 }, (_, i) => `message ${i}`);
  const res = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput(...texts) } });
  runId = res.run!.runId;
  all = (await t.connectJson.listRunMessages({ runId, limit: 200 })).messages.map((m) => m.seq);
  const long = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput(...Array.from({ length: 60 }, (_, i) => `long ${i}`)) } });
  longRunId = long.run!.runId;
  longAll = (await t.connectJson.listRunMessages({ runId: longRunId, limit: 200 })).messages.map((m) => m.seq);
});
afterAll(() => t.stop());

async function page(req: { limit?: number; beforeSeq?: bigint; afterSeq?: bigint }) {
  const res = await t.connectJson.listRunMessages({ runId, ...req });
  return { seqs: res.messages.map((m) => m.seq), hasMore: res.hasMore };
}

async function code(req: Record<string, unknown>): Promise<[Code, string]> {
  const error = await t.connectJson.listRunMessages({ runId, ...req }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConnectError);
  return [(error as ConnectError).code, (error as ConnectError).rawMessage];
}

describe("ListRunMessages", () => {
  it("holds the human inputs, the AI responses and the tool result, ascending", async () => {
    const res = await t.connectJson.listRunMessages({ runId, limit: 200 });
    const types = res.messages.map((m) => m.message?.["type"]);
    expect(types).toEqual([...Array(10).fill("human"), "ai", "tool", "ai"]);
    expect(res.messages[0]!.message?.["content"]).toBe("message 0");
    expect(res.messages.every((m) => m.runId === runId)).toBe(true);
    expectStrictlyIncreasing(all);
    expect(res.hasMore).toBe(false);
  });

  it("gives the last 50 by default", async () => {
    expect(await page({})).toEqual({ seqs: all, hasMore: false });
    expect(longAll).toHaveLength(63);
    const res = await t.connectJson.listRunMessages({ runId: longRunId });
    const seqs = res.messages.map((m) => m.seq);
    expect(seqs).toHaveLength(50);
    expect(seqs).toEqual(longAll.slice(-50));
    expectStrictlyIncreasing(seqs);
    expect(res.messages[0]!.message?.["content"]).toBe("long 13");
    expect(res.hasMore).toBe(true);
  });

  it("without a cursor gives the last `limit` rows, has_more when older rows exist", async () => {
    expect(await page({ limit: 4 })).toEqual({ seqs: all.slice(-4), hasMore: true });
  });

  it("before_seq pages backwards, rows still ascending", async () => {
    expect(await page({ limit: 4, beforeSeq: all[9]! })).toEqual({ seqs: all.slice(5, 9), hasMore: true });
    expect(await page({ limit: 4, beforeSeq: all[4]! })).toEqual({ seqs: all.slice(0, 4), hasMore: false });
    expect(await page({ limit: 4, beforeSeq: all[2]! })).toEqual({ seqs: all.slice(0, 2), hasMore: false });
    expect(await page({ limit: 4, beforeSeq: 1n })).toEqual({ seqs: [], hasMore: false });
  });

  it("after_seq pages forwards, has_more when newer rows exist", async () => {
    expect(await page({ limit: 4, afterSeq: all[0]! })).toEqual({ seqs: all.slice(1, 5), hasMore: true });
    expect(await page({ limit: 4, afterSeq: all[8]! })).toEqual({ seqs: all.slice(9, 13), hasMore: false });
    expect(await page({ limit: 5, afterSeq: all[12]! })).toEqual({ seqs: [], hasMore: false });
  });

  it("an exact page boundary says no more", async () => {
    expect(await page({ limit: 13 })).toEqual({ seqs: all, hasMore: false });
    expect(await page({ limit: 12 })).toEqual({ seqs: all.slice(1), hasMore: true });
    expect(await page({ limit: 13, afterSeq: 1n })).toEqual({ seqs: all, hasMore: false });
    expect(await page({ limit: 4, afterSeq: all[8]! })).toEqual({ seqs: all.slice(9), hasMore: false });
  });

  it("walks the whole run forwards and backwards with no gap or repeat", async () => {
    const forward: bigint[] = [];
    let after: bigint | undefined;
    for (;;) {
      const p = await page({ limit: 3, ...(after !== undefined ? { afterSeq: after } : { afterSeq: 1n }) });
      forward.push(...p.seqs);
      if (!p.hasMore) break;
      after = p.seqs.at(-1);
    }
    const backward: bigint[] = [];
    let before: bigint | undefined;
    for (;;) {
      const p = await page({ limit: 3, ...(before !== undefined ? { beforeSeq: before } : {}) });
      backward.unshift(...p.seqs);
      if (!p.hasMore) break;
      before = p.seqs[0];
    }
    expect(forward).toEqual(all);
    expect(backward).toEqual(all);
  });

  it("an empty run has no messages", async () => {
    const res = await t.connectJson.waitRun({ run: { assistantId: "demo", context: { fail: true } } });
    const empty = await t.connectJson.listRunMessages({ runId: res.run!.runId });
    expect(empty.messages).toEqual([]);
    expect(empty.hasMore).toBe(false);
  });

  it.each([
    [{ limit: 0 }, "limit"],
    [{ limit: 201 }, "limit"],
    [{ limit: -1 }, "limit"],
    [{ beforeSeq: 5n, afterSeq: 2n }, "before_seq"],
    [{ beforeSeq: 0n }, "before_seq"],
    [{ afterSeq: 0n }, "after_seq"],
    [{ afterSeq: -3n }, "after_seq"],
  ])("refuses %o with INVALID_ARGUMENT naming %s", async (req, field) => {
    const [c, message] = await code(req);
    expect(c).toBe(Code.InvalidArgument);
    expect(message.startsWith(`${field}:`)).toBe(true);
  });

  it("accepts the limits 1 and 200", async () => {
    expect((await page({ limit: 1 })).seqs).toEqual(all.slice(-1));
    expect((await page({ limit: 200 })).seqs).toEqual(all);
  });

  it("answers NOT_FOUND for an unknown run, even an operator-shaped id", async () => {
    for (const id of ["3f1c2b7e-0000-4000-8000-000000000000", '{"$ne": null}', "$where"]) {
      const error = await t.connectJson.listRunMessages({ runId: id }).catch((e: unknown) => e);
      expect((error as ConnectError).code).toBe(Code.NotFound);
    }
  });

  it("is reachable with Connect GET (NO_SIDE_EFFECTS)", async () => {
    const message = encodeURIComponent(JSON.stringify({ runId, limit: 2 }));
    const res = await fetch(`${t.url}/agentruns.v1.RunsService/ListRunMessages?connect=v1&encoding=json&message=${message}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { messages: Array<{ seq: string }>; hasMore: boolean };
    expect(body.messages.map((m) => BigInt(m.seq))).toEqual(all.slice(-2));
    expect(body.hasMore).toBe(true);
  });
});
