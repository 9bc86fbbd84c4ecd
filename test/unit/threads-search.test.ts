// SearchThreads on the memory store: the caller's threads newest first, every
// one exactly once across pages, metadata and status filters, and the
// refusals (page_size out of range, tampered, foreign or other-filter tokens,
// unknown statuses).
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { ThreadStatus, type SearchThreadsRequestSchema, type Thread } from "../../gen/agentruns/v1/threads_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { userInput, type RunsClient } from "./harness.js";
import { failure, fieldOf, threadService } from "./thread-fixture.js";

const { as } = threadService(["carol", "dave"]);
const carol = () => as("carol");
const dave = () => as("dave");
type Search = MessageInitShape<typeof SearchThreadsRequestSchema>;

/** Every page of `request`, `pageSize` at a time. */
async function searchAll(client: RunsClient, request: Search, pageSize: number): Promise<Thread[]> {
  const all: Thread[] = [];
  let pageToken = "";
  do {
    const page = await client.threads.searchThreads({ ...request, pageSize, pageToken });
    expect(page.threads.length).toBeLessThanOrEqual(pageSize);
    all.push(...page.threads);
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return all;
}

const ms = (t: Thread) => Number(t.createTime!.seconds) * 1000 + Math.floor(t.createTime!.nanos / 1e6);

describe("SearchThreads", () => {
  const made: Thread[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 61; i++) {
      const metadata = { i, team: i % 3 === 0 ? "red" : "blue", tags: i % 2 === 0 ? ["a", "b"] : ["a"] };
      made.push((await carol().threads.createThread({ metadata })).thread!);
    }
    await dave().threads.createThread({ metadata: { team: "red" } });
  });

  it("pages the caller's threads newest first (ties by id, descending), every one exactly once, at any page size", async () => {
    const expected = [...made].sort((a, b) => ms(b) - ms(a) || (a.threadId < b.threadId ? 1 : -1)).map((t) => t.threadId);
    for (const pageSize of [1, 7, 50, 61, 200]) {
      expect((await searchAll(carol(), {}, pageSize)).map((t) => t.threadId), `page size ${pageSize}`).toEqual(expected);
    }
    const first = await carol().threads.searchThreads({});
    expect(first.threads).toHaveLength(50);
    expect(first.nextPageToken).not.toBe("");
    expect((await searchAll(dave(), {}, 10)).map((t) => t.metadata)).toEqual([{ team: "red" }]);
  });

  it("filters by metadata equality on each given key, any JSON value, arrays and objects whole", async () => {
    const ids = async (metadata: Search["metadata"]) => (await searchAll(carol(), { metadata }, 9)).map((t) => t.metadata?.["i"]).sort((a, b) => Number(a) - Number(b));
    const range = (pick: (i: number) => boolean) => Array.from({ length: 61 }, (_, i) => i).filter(pick);
    expect(await ids({ team: "red" })).toEqual(range((i) => i % 3 === 0));
    expect(await ids({ team: "red", tags: ["a"] })).toEqual(range((i) => i % 3 === 0 && i % 2 === 1));
    expect(await ids({ tags: "a" })).toEqual([]);
    expect(await ids({ i: 42 })).toEqual([42]);
    expect(await ids({ i: "42" })).toEqual([]);
    expect(await ids({ missing: null })).toEqual([]);
  });

  it("filters by status", async () => {
    const failed = (await carol().waitRun({ run: { assistantId: "demo", input: userInput("x"), context: { fail: true } } })).run!;
    const asked = (await carol().waitRun({ run: { assistantId: "demo", input: userInput("y"), context: { interrupt: true } } })).run!;
    const byStatus = async (statuses: ThreadStatus[]) => (await searchAll(carol(), { statuses }, 50)).map((t) => t.threadId);
    expect(await byStatus([ThreadStatus.ERROR])).toEqual([failed.threadId]);
    expect(await byStatus([ThreadStatus.INTERRUPTED])).toEqual([asked.threadId]);
    expect(await byStatus([ThreadStatus.INTERRUPTED, ThreadStatus.ERROR])).toEqual([asked.threadId, failed.threadId]);
    expect(await byStatus([ThreadStatus.BUSY])).toEqual([]);
    expect((await byStatus([ThreadStatus.IDLE])).length).toBe(61);
  });

  it("refuses out-of-range page sizes, unknown statuses and tokens edited, foreign or of other filters, naming the field", async () => {
    const { nextPageToken } = await carol().threads.searchThreads({ pageSize: 5, metadata: { team: "blue" } });
    const tampered = nextPageToken.slice(0, -2) + (nextPageToken.endsWith("A") ? "BB" : "AA");
    const cases: Array<[string, () => Promise<unknown>]> = [
      ["page_size", () => carol().threads.searchThreads({ pageSize: 0 })],
      ["page_size", () => carol().threads.searchThreads({ pageSize: 201 })],
      ["statuses[0]", () => carol().threads.searchThreads({ statuses: [ThreadStatus.UNSPECIFIED] })],
      ["statuses[0]", () => carol().threads.searchThreads({ statuses: [9 as ThreadStatus] })],
      ["statuses", () => carol().threads.searchThreads({ statuses: [ThreadStatus.IDLE, ThreadStatus.IDLE] })],
      ["page_token", () => carol().threads.searchThreads({ pageSize: 5, metadata: { team: "blue" }, pageToken: tampered })],
      ["page_token", () => carol().threads.searchThreads({ pageSize: 5, metadata: { team: "red" }, pageToken: nextPageToken })],
      ["page_token", () => carol().threads.searchThreads({ pageSize: 5, pageToken: nextPageToken })],
      ["page_token", () => carol().threads.searchThreads({ metadata: { team: "blue" }, statuses: [ThreadStatus.IDLE], pageToken: nextPageToken })],
      ["page_token", () => dave().threads.searchThreads({ pageSize: 5, metadata: { team: "blue" }, pageToken: nextPageToken })],
      ["page_token", () => carol().threads.searchThreads({ pageToken: "x".repeat(513) })],
      ["metadata.n", () => carol().threads.searchThreads({ metadata: { n: Number.POSITIVE_INFINITY } })],
    ];
    for (const [field, call] of cases) {
      const error = await failure(call());
      expect(error?.code, field).toBe(Code.InvalidArgument);
      expect(fieldOf(error), field).toBe(field);
    }
    // The same token with the same filters (page size aside) goes on.
    const next = await carol().threads.searchThreads({ pageSize: 7, metadata: { team: "blue" }, pageToken: nextPageToken });
    expect(next.threads.length).toBe(7);
    // So it does with the filter's keys in another order (a client's map), and with the statuses in another order.
    const first = await carol().threads.searchThreads({ pageSize: 2, metadata: { team: "blue", tags: ["a"] }, statuses: [ThreadStatus.IDLE, ThreadStatus.ERROR] });
    const reordered = { pageSize: 2, metadata: { tags: ["a"], team: "blue" }, statuses: [ThreadStatus.ERROR, ThreadStatus.IDLE], pageToken: first.nextPageToken };
    expect((await carol().threads.searchThreads(reordered)).threads).toHaveLength(2);
  });

  it("lists a new thread first and a deleted one no more", async () => {
    const threadId = randomUUID();
    await carol().threads.createThread({ threadId });
    expect((await carol().threads.searchThreads({ pageSize: 1 })).threads[0]?.threadId).toBe(threadId);
    await carol().threads.deleteThread({ threadId });
    expect((await carol().threads.searchThreads({ pageSize: 1 })).threads[0]?.threadId).not.toBe(threadId);
  });
});
