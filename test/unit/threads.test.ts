// Threads as resources on the memory store: CreateThread, GetThread,
// UpdateThread, DeleteThread, and the status a thread's runs leave it in.
// SearchThreads is in threads-search.test.ts.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { IfExists, ThreadStatus } from "../../gen/agentruns/v1/threads_pb.js";
import { userInput } from "./harness.js";
import { failure, fieldOf, reasonOf, threadService, until } from "./thread-fixture.js";

const { alice, bob } = threadService();
const statusOf = async (threadId: string) => (await alice().threads.getThread({ threadId })).thread?.status;

describe("CreateThread and GetThread", () => {
  it("creates a thread with the given id and metadata, idle, and returns it on GetThread", async () => {
    const threadId = randomUUID();
    const { thread } = await alice().threads.createThread({ threadId, metadata: { topic: "x", n: [1, { a: null }] } });
    expect(thread).toMatchObject({ threadId, userId: "alice", status: ThreadStatus.IDLE, metadata: { topic: "x", n: [1, { a: null }] } });
    expect(thread?.createTime).toEqual(thread?.updateTime);
    expect((await alice().threads.getThread({ threadId })).thread).toEqual(thread);
  });

  it("gives a thread without an id a new UUID, and lower-cases a UUID given in capitals", async () => {
    const made = (await alice().threads.createThread({})).thread!;
    expect(made.threadId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(made.metadata).toEqual({});
    const upper = randomUUID().toUpperCase();
    expect((await alice().threads.createThread({ threadId: upper })).thread?.threadId).toBe(upper.toLowerCase());
    expect((await alice().threads.getThread({ threadId: upper })).thread?.threadId).toBe(upper.toLowerCase());
  });

  it("refuses a taken id with ALREADY_EXISTS (unset and RAISE), and with DO_NOTHING returns the thread unchanged", async () => {
    const threadId = `deer_${randomUUID()}`;
    const first = (await alice().threads.createThread({ threadId, metadata: { v: 1 } })).thread!;
    for (const ifExists of [IfExists.UNSPECIFIED, IfExists.RAISE]) {
      const error = await failure(alice().threads.createThread({ threadId, metadata: { v: 2 }, ifExists }));
      expect(error?.code).toBe(Code.AlreadyExists);
      expect(reasonOf(error)).toBe("THREAD_EXISTS");
    }
    const again = await alice().threads.createThread({ threadId, metadata: { v: 3 }, ifExists: IfExists.DO_NOTHING });
    expect(again.thread).toEqual(first);
    expect((await alice().threads.getThread({ threadId })).thread?.metadata).toEqual({ v: 1 });
  });

  it("answers another user's id with ALREADY_EXISTS even with DO_NOTHING, revealing nothing of it", async () => {
    const threadId = randomUUID();
    await alice().threads.createThread({ threadId, metadata: { secret: "alice's" } });
    for (const ifExists of [IfExists.RAISE, IfExists.DO_NOTHING]) {
      const error = await failure(bob().threads.createThread({ threadId, ifExists }));
      expect(error?.code).toBe(Code.AlreadyExists);
      expect(error?.message).not.toContain("alice");
    }
  });

  it("answers another user's thread NOT_FOUND on Get, Update and Delete, exactly as a missing one, and leaves it untouched", async () => {
    const threadId = randomUUID();
    const mine = (await alice().threads.createThread({ threadId, metadata: { a: 1 } })).thread!;
    const missing = randomUUID();
    const calls = [
      (id: string) => bob().threads.getThread({ threadId: id }),
      (id: string) => bob().threads.updateThread({ threadId: id, metadata: { a: 2 } }),
      (id: string) => bob().threads.deleteThread({ threadId: id }),
    ];
    for (const call of calls) {
      const theirs = await failure(call(threadId));
      const none = await failure(call(missing));
      expect(theirs?.code).toBe(Code.NotFound);
      expect(reasonOf(theirs)).toBe("THREAD_NOT_FOUND");
      expect(theirs?.rawMessage.replace(threadId, "ID")).toBe(none?.rawMessage.replace(missing, "ID"));
    }
    expect((await alice().threads.getThread({ threadId })).thread).toEqual(mine);
  });

  it("refuses bad ids, bad metadata and unknown enums with INVALID_ARGUMENT naming the field, storing nothing", async () => {
    const cases: Array<[string, () => Promise<unknown>]> = [
      ["thread_id", () => alice().threads.createThread({ threadId: "not ok!" })],
      ["thread_id", () => alice().threads.createThread({ threadId: "x".repeat(65) })],
      ["thread_id", () => alice().threads.getThread({ threadId: "" })],
      ["thread_id", () => alice().threads.getThread({ threadId: "a/b" })],
      ["thread_id", () => alice().threads.updateThread({ threadId: "../x" })],
      ["thread_id", () => alice().threads.deleteThread({ threadId: "" })],
      ["if_exists", () => alice().threads.createThread({ ifExists: 7 as IfExists })],
      ["metadata", () => alice().threads.createThread({ metadata: { big: "x".repeat(70 * 1024) } })],
      ["metadata.n", () => alice().threads.createThread({ metadata: { n: Number.NaN } })],
    ];
    const before = (await alice().threads.searchThreads({ pageSize: 200 })).threads.length;
    for (const [field, call] of cases) {
      const error = await failure(call());
      expect(error?.code, field).toBe(Code.InvalidArgument);
      expect(fieldOf(error), field).toBe(field);
    }
    expect((await alice().threads.searchThreads({ pageSize: 200 })).threads.length).toBe(before);
  });
});

describe("UpdateThread", () => {
  it("merges metadata (null removes a key, nested values replace whole), bumps the update time, keeps the create time", async () => {
    const threadId = randomUUID();
    const made = (await alice().threads.createThread({ threadId, metadata: { keep: 1, drop: "x", nested: { a: 1, b: 2 } } })).thread!;
    await new Promise((resolve) => setTimeout(resolve, 5));
    const { thread } = await alice().threads.updateThread({ threadId, metadata: { drop: null, nested: { c: 3 }, added: true } });
    expect(thread?.metadata).toEqual({ keep: 1, nested: { c: 3 }, added: true });
    expect(thread?.createTime).toEqual(made.createTime);
    expect(Number(thread!.updateTime!.seconds) * 1e3 + thread!.updateTime!.nanos / 1e6).toBeGreaterThan(
      Number(made.updateTime!.seconds) * 1e3 + made.updateTime!.nanos / 1e6,
    );
    expect((await alice().threads.getThread({ threadId })).thread).toEqual(thread);
  });

  it("refuses a merge that would grow the metadata past 64 KiB with INVALID_ARGUMENT naming metadata, changing nothing", async () => {
    const threadId = randomUUID();
    const made = (await alice().threads.createThread({ threadId, metadata: { a: "x".repeat(40 * 1024) } })).thread!;
    const error = await failure(alice().threads.updateThread({ threadId, metadata: { b: "y".repeat(40 * 1024) } }));
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(fieldOf(error)).toBe("metadata");
    expect((await alice().threads.getThread({ threadId })).thread).toEqual(made);
    // Removing the big key first makes room.
    expect((await alice().threads.updateThread({ threadId, metadata: { a: null, b: "y" } })).thread?.metadata).toEqual({ b: "y" });
  });

  it("updates a thread a run created, and NOT_FOUND for one that does not exist (nothing created)", async () => {
    const { run } = await alice().waitRun({ run: { assistantId: "demo", input: userInput("hi") } });
    const { thread } = await alice().threads.updateThread({ threadId: run!.threadId, metadata: { tagged: "yes" } });
    expect(thread?.metadata).toEqual({ tagged: "yes" });
    const missing = randomUUID();
    expect((await failure(alice().threads.updateThread({ threadId: missing, metadata: { a: 1 } })))?.code).toBe(Code.NotFound);
    expect((await failure(alice().threads.getThread({ threadId: missing })))?.code).toBe(Code.NotFound);
  });
});

describe("thread status", () => {
  it("is busy while a run runs, then idle after a normal end", async () => {
    const { run } = await alice().createRun({ run: { assistantId: "demo", input: userInput("slow"), context: { delay_ms: 300 } } });
    await until(async () => (await statusOf(run!.threadId)) === ThreadStatus.BUSY);
    await alice().awaitRun({ runId: run!.runId });
    expect(await statusOf(run!.threadId)).toBe(ThreadStatus.IDLE);
  });

  it("is interrupted after a run stopped at interrupt() and idle again once a resume finishes", async () => {
    const { run } = await alice().waitRun({ run: { assistantId: "demo", input: userInput("ask"), context: { interrupt: true } } });
    expect(await statusOf(run!.threadId)).toBe(ThreadStatus.INTERRUPTED);
    await alice().waitRun({ run: { assistantId: "demo", threadId: run!.threadId, command: { resume: "yes" }, context: { interrupt: true } } });
    expect(await statusOf(run!.threadId)).toBe(ThreadStatus.IDLE);
  });

  it("is interrupted after interrupt_before and interrupt_after stopped the graph", async () => {
    for (const stop of [{ interruptBefore: ["tools"] }, { interruptAfter: ["agent"] }]) {
      const { run } = await alice().waitRun({ run: { assistantId: "demo", input: userInput("use the tool please"), ...stop } });
      expect(run?.status).toBe(RunStatus.SUCCESS);
      expect(await statusOf(run!.threadId)).toBe(ThreadStatus.INTERRUPTED);
    }
  });

  it("is error after a failed run, and idle after a cancelled one", async () => {
    const { run } = await alice().waitRun({ run: { assistantId: "demo", input: userInput("x"), context: { fail: true } } });
    expect(run?.status).toBe(RunStatus.ERROR);
    expect(await statusOf(run!.threadId)).toBe(ThreadStatus.ERROR);
    const slow = (await alice().createRun({ run: { assistantId: "demo", threadId: run!.threadId, input: userInput("y"), context: { delay_ms: 5000 } } })).run!;
    await until(async () => (await alice().getRun({ runId: slow.runId })).run?.status === RunStatus.RUNNING);
    await alice().cancelRun({ runId: slow.runId });
    await alice().awaitRun({ runId: slow.runId });
    expect(await statusOf(run!.threadId)).toBe(ThreadStatus.IDLE);
  });
});
