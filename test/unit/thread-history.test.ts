// A thread's history (ListThreadHistory), its messages across runs
// (ListThreadMessages), another user's thread, and RunCreate.durability, on
// the memory store.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { Durability } from "../../gen/agentruns/v1/runs_pb.js";
import { userInput } from "./harness.js";
import { failure, fieldOf, reasonOf, threadService } from "./thread-fixture.js";

const { service, alice, bob, demoRun, allHistory } = threadService();

describe("ListThreadHistory", () => {
  it("pages every checkpoint once, newest first, with before_checkpoint_id and a metadata filter", async () => {
    const threadId = await demoRun("history of a thread");
    await alice().threads.updateThreadState({ threadId, values: { messages: [{ type: "human", content: "x", id: "u1" }] }, asNode: "agent" });
    await demoRun("second turn", { threadId });
    const all = await allHistory(threadId);
    expect(all.length).toBeGreaterThan(6);
    const ids = all.map((h) => h.checkpointId);
    expect(new Set(ids).size).toBe(ids.length);
    // Newest first: each checkpoint's parent comes after it.
    for (let i = 0; i + 1 < all.length; i++) expect(all[i]!.parentCheckpointId).toBe(all[i + 1]!.checkpointId);
    const paged: string[] = [];
    let pageToken = "";
    do {
      const page = await alice().threads.listThreadHistory({ threadId, pageSize: 3, pageToken });
      expect(page.states.length).toBeLessThanOrEqual(3);
      paged.push(...page.states.map((h) => h.checkpointId));
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(paged).toEqual(ids);
    expect((await alice().threads.listThreadHistory({ threadId })).states).toHaveLength(Math.min(10, ids.length));

    const older = await alice().threads.listThreadHistory({ threadId, beforeCheckpointId: ids[2]!, pageSize: 200 });
    expect(older.states.map((h) => h.checkpointId)).toEqual(ids.slice(3));
    const updates = await alice().threads.listThreadHistory({ threadId, metadata: { source: "update" } });
    expect(updates.states).toHaveLength(1);
    expect(updates.states[0]?.metadata).toMatchObject({ source: "update" });
  });

  it("refuses page sizes out of range and tokens of another query or another user", async () => {
    const threadId = await demoRun("tokens");
    for (const pageSize of [0, 201]) {
      const error = await failure(alice().threads.listThreadHistory({ threadId, pageSize }));
      expect(error?.code).toBe(Code.InvalidArgument);
      expect(fieldOf(error)).toBe("page_size");
    }
    const { nextPageToken } = await alice().threads.listThreadHistory({ threadId, pageSize: 1 });
    expect(nextPageToken).not.toBe("");
    const otherFilter = await failure(alice().threads.listThreadHistory({ threadId, pageSize: 1, pageToken: nextPageToken, metadata: { source: "loop" } }));
    expect(fieldOf(otherFilter)).toBe("page_token");
    const garbage = await failure(alice().threads.listThreadHistory({ threadId, pageToken: "not-a-token" }));
    expect(fieldOf(garbage)).toBe("page_token");
    const { run } = await bob().waitRun({ run: { assistantId: "demo", input: userInput("bob's") } });
    const foreign = await failure(bob().threads.listThreadHistory({ threadId: run!.threadId, pageToken: nextPageToken }));
    expect(foreign?.code).toBe(Code.InvalidArgument);
    expect(fieldOf(foreign)).toBe("page_token");
    const nested = await failure(alice().threads.listThreadHistory({ threadId, metadata: { writes: { agent: 1 } } }));
    expect(fieldOf(nested)).toBe("metadata.writes");
  });
});

describe("ListThreadMessages", () => {
  it("pages a thread's messages across its runs exactly as ListRunMessages pages a run's", async () => {
    const first = await alice().waitRun({ run: { assistantId: "demo", input: userInput("first run") } });
    const threadId = first.run!.threadId;
    const second = await alice().waitRun({ run: { assistantId: "demo", threadId, input: userInput("second run") } });
    const ofRun = async (runId: string) => (await alice().listRunMessages({ runId, limit: 200 })).messages;
    const expected = [...(await ofRun(first.run!.runId)), ...(await ofRun(second.run!.runId))];
    expect(expected.length).toBe(8);
    const all = await alice().threads.listThreadMessages({ threadId, limit: 200 });
    expect(all.messages).toEqual(expected);
    expect(all.hasMore).toBe(false);
    expect(new Set(all.messages.map((m) => m.runId))).toEqual(new Set([first.run!.runId, second.run!.runId]));

    // Backwards from the newest, three at a time.
    const backwards: typeof expected = [];
    let beforeSeq: bigint | undefined;
    for (;;) {
      const page = await alice().threads.listThreadMessages({ threadId, limit: 3, ...(beforeSeq !== undefined && { beforeSeq }) });
      backwards.unshift(...page.messages);
      if (!page.hasMore) break;
      beforeSeq = page.messages[0]!.seq;
    }
    expect(backwards).toEqual(expected);
    // Forwards after a seq, exclusive.
    const after = await alice().threads.listThreadMessages({ threadId, afterSeq: expected[2]!.seq, limit: 4 });
    expect(after.messages).toEqual(expected.slice(3, 7));
    expect(after.hasMore).toBe(true);
  });

  it("refuses before_seq with after_seq, and limits out of range", async () => {
    const threadId = await demoRun("bad paging");
    const both = await failure(alice().threads.listThreadMessages({ threadId, beforeSeq: 5n, afterSeq: 1n }));
    expect(both?.code).toBe(Code.InvalidArgument);
    expect(fieldOf(both)).toBe("before_seq");
    for (const limit of [0, 201]) expect(fieldOf(await failure(alice().threads.listThreadMessages({ threadId, limit })))).toBe("limit");
  });
});

describe("another user's thread", () => {
  it("is NOT_FOUND in every state RPC, exactly like a missing one", async () => {
    const threadId = await demoRun("alice's own");
    const checkpointId = (await allHistory(threadId))[0]!.checkpointId;
    const calls = (id: string) => [
      bob().threads.getThreadState({ threadId: id }),
      bob().threads.getThreadState({ threadId: id, checkpointId }),
      bob().threads.updateThreadState({ threadId: id, values: { messages: [] }, asNode: "agent" }),
      bob().threads.listThreadHistory({ threadId: id }),
      bob().threads.listThreadMessages({ threadId: id }),
    ];
    const missing = randomUUID();
    const theirs = await Promise.all(calls(threadId).map(failure));
    const absent = await Promise.all(calls(missing).map(failure));
    theirs.forEach((error, i) => {
      expect(error?.code).toBe(Code.NotFound);
      expect(reasonOf(error)).toBe("THREAD_NOT_FOUND");
      expect(error?.rawMessage).toBe(absent[i]?.rawMessage.replace(missing, threadId));
    });
    expect((await allHistory(threadId)).filter((h) => h.metadata?.["source"] === "update")).toEqual([]);
  });
});

describe("RunCreate.durability", () => {
  it("exit writes only the final checkpoint; async and sync write one per step", async () => {
    const counts: Record<string, number> = {};
    for (const [name, durability] of [["async", Durability.ASYNC], ["sync", Durability.SYNC], ["exit", Durability.EXIT], ["unset", Durability.UNSPECIFIED]] as const) {
      const threadId = await demoRun("count my checkpoints", { durability });
      counts[name] = (await allHistory(threadId)).length;
      expect(JSON.stringify((await alice().threads.getThreadState({ threadId })).state?.values)).toContain("The text has 3 words.");
    }
    expect(counts["exit"]).toBe(1);
    expect(counts["async"]).toBeGreaterThan(3);
    expect(counts["sync"]).toBe(counts["async"]);
    expect(counts["unset"]).toBe(counts["async"]);
  });

  it("is kept on the run", async () => {
    const { run } = await alice().createRun({ run: { assistantId: "demo", input: userInput("kept"), durability: Durability.EXIT } });
    const stored = await service().app.stores.runs.get(run!.runId);
    expect(stored?.kwargs.durability).toBe("exit");
    await alice().awaitRun({ runId: run!.runId });
  });
});
