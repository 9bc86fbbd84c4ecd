// The LangGraph Platform's own JS client, @langchain/langgraph-sdk from npm,
// unmodified, against a live agent-runs over HTTP: threads, state, history,
// runs in every form, an interrupt resumed with command.resume, a stream
// dropped mid-way and joined again after its last event id.
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/server.js";

let t: TestServer;
let client: Client;
beforeAll(async () => {
  t = await startTestServer();
  client = new Client({ apiUrl: t.url });
});
afterAll(() => t.stop());

const hello = (content = "hello there") => ({ messages: [{ role: "user", content }] });
type Message = { type: string; content: string };
const typesOf = (values: unknown) => ((values as { messages: Message[] }).messages ?? []).map((m) => m.type);

describe("threads with @langchain/langgraph-sdk", () => {
  it("create, get, search by metadata, update, getState, getHistory, updateState, delete", async () => {
    const thread = await client.threads.create({ metadata: { team: "sdk", n: 1 } });
    expect(thread).toMatchObject({ status: "idle", metadata: { team: "sdk", n: 1 }, values: null });
    expect(await client.threads.create({ threadId: thread.thread_id, ifExists: "do_nothing" })).toMatchObject({ thread_id: thread.thread_id });
    await expect(client.threads.create({ threadId: thread.thread_id })).rejects.toThrow(/409/);

    await client.runs.wait(thread.thread_id, "demo", { input: hello() });
    const got = await client.threads.get(thread.thread_id);
    expect(got.status).toBe("idle");
    expect(typesOf(got.values)).toEqual(["human", "ai", "tool", "ai"]);
    expect((await client.threads.search({ metadata: { team: "sdk" } })).map((x) => x.thread_id)).toEqual([thread.thread_id]);
    expect((await client.threads.update(thread.thread_id, { metadata: { n: 2 } })).metadata).toEqual({ team: "sdk", n: 2 });

    const state = await client.threads.getState(thread.thread_id);
    expect(state.next).toEqual([]);
    expect(state.checkpoint.checkpoint_id).toMatch(/\S/);
    const history = await client.threads.getHistory(thread.thread_id, { limit: 2 });
    expect(history).toHaveLength(2);
    expect(history[0]!.checkpoint.checkpoint_id).toBe(state.checkpoint.checkpoint_id);
    const older = await client.threads.getHistory(thread.thread_id, { limit: 1, before: { configurable: { checkpoint_id: history[1]!.checkpoint.checkpoint_id! } } });
    expect(older[0]!.checkpoint.checkpoint_id).toBe(history[1]!.parent_checkpoint?.checkpoint_id);
    const atCheckpoint = await client.threads.getState(thread.thread_id, history[1]!.checkpoint.checkpoint_id!);
    expect(atCheckpoint.checkpoint.checkpoint_id).toBe(history[1]!.checkpoint.checkpoint_id);

    const updated = await client.threads.updateState(thread.thread_id, { values: { messages: [{ role: "user", content: "added by hand" }] }, asNode: "agent" });
    const after = await client.threads.getState(thread.thread_id);
    // The SDK types this answer as a config; both LangGraph servers answer {checkpoint: {thread_id, checkpoint_ns, checkpoint_id}}, as we do.
    expect(after.checkpoint.checkpoint_id).toBe((updated as unknown as { checkpoint: { checkpoint_id: string } }).checkpoint.checkpoint_id);
    expect(typesOf(after.values)).toEqual(["human", "ai", "tool", "ai", "human"]);

    await client.threads.delete(thread.thread_id);
    await expect(client.threads.get(thread.thread_id)).rejects.toThrow(/404/);
  });
});

describe("runs with @langchain/langgraph-sdk", () => {
  it("stream (with onRunCreated), wait, create, list, get, join, cancel and delete", async () => {
    const { thread_id: threadId } = await client.threads.create();
    let created: { run_id: string; thread_id?: string } | undefined;
    const events: string[] = [];
    for await (const part of client.runs.stream(threadId, "demo", { input: hello(), streamMode: ["updates", "messages-tuple"], onRunCreated: (m) => (created = m) })) events.push(part.event);
    expect(created?.thread_id).toBe(threadId);
    expect(events[0]).toBe("metadata");
    expect(events).toContain("messages");
    expect(events).toContain("updates");
    expect(events.at(-1)).toBe("end");

    const waited = await client.runs.wait(threadId, "demo", { input: hello("again") });
    expect(typesOf(waited)).toHaveLength(8);

    const background = await client.runs.create(threadId, "demo", { input: hello("later") });
    expect(["pending", "running"]).toContain(background.status);
    const joined = await client.runs.join(threadId, background.run_id);
    expect(typesOf(joined)).toHaveLength(12);
    expect((await client.runs.get(threadId, background.run_id)).status).toBe("success");
    const listed = await client.runs.list(threadId);
    expect(listed.map((r) => r.run_id)[0]).toBe(background.run_id);
    expect(listed).toHaveLength(3);
    expect((await client.runs.list(threadId, { limit: 1, offset: 1 })).map((r) => r.run_id)).toEqual([listed[1]!.run_id]);

    const slow = await client.runs.create(threadId, "demo", { input: hello("slow"), context: { delay_ms: 30_000 } });
    await client.runs.cancel(threadId, slow.run_id, true);
    expect((await client.runs.get(threadId, slow.run_id)).status).toBe("interrupted");
    await client.runs.delete(threadId, slow.run_id);
    await expect(client.runs.get(threadId, slow.run_id)).rejects.toThrow(/404/);
  });

  it("joinStream resumes after the last event id once the first stream was dropped mid-way", async () => {
    const { thread_id: threadId } = await client.threads.create();
    const run = await client.runs.create(threadId, "demo", { input: hello(), streamMode: ["custom", "values"], context: { custom_events: 20, delay_ms: 50 } });
    const first: Array<{ id?: string; event: string }> = [];
    const controller = new AbortController();
    try {
      for await (const part of client.runs.joinStream(threadId, run.run_id, { signal: controller.signal })) {
        first.push(part);
        if (first.length === 5) controller.abort();
      }
    } catch (error) {
      expect(controller.signal.aborted).toBe(true);
    }
    expect(first).toHaveLength(5);
    const rest: Array<{ id?: string; event: string }> = [];
    for await (const part of client.runs.joinStream(threadId, run.run_id, { lastEventId: first.at(-1)!.id! })) rest.push(part);
    const ids = [...first, ...rest].map((p) => Number(p.id));
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);
    expect(rest.filter((p) => p.event === "custom")).toHaveLength(20 - first.filter((p) => p.event === "custom").length);
    expect(rest.at(-1)!.event).toBe("end");
  });

  it("resumes an interrupt with command.resume", async () => {
    const { thread_id: threadId } = await client.threads.create();
    await client.runs.wait(threadId, "demo", { input: hello(), context: { interrupt: true } });
    const stopped = await client.threads.get(threadId);
    expect(stopped.status).toBe("interrupted");
    const state = await client.threads.getState(threadId);
    expect(state.next).toEqual(["agent"]);
    expect(state.tasks[0]!.interrupts[0]!.value).toMatchObject({ question: "Send this answer?" });
    const resumed = await client.runs.wait(threadId, "demo", { command: { resume: "yes" }, context: { interrupt: true } });
    expect((resumed as { messages: Message[] }).messages.at(-1)!.content).toBe("The text has 2 words.");
    expect((await client.threads.get(threadId)).status).toBe("idle");
  });

  it("surfaces refusals as the SDK reports them: 422 naming the field, 404 for another thread's run", async () => {
    await expect(client.runs.wait(null, "demo", { input: hello(), afterSeconds: 5 })).rejects.toThrow(/422.*after_seconds/);
    await expect(client.runs.wait(null, "nope", { input: hello() })).rejects.toThrow(/404.*nope/);
    const { thread_id: a } = await client.threads.create();
    const { thread_id: b } = await client.threads.create();
    const run = await client.runs.create(a, "demo", { input: hello() });
    await expect(client.runs.get(b, run.run_id)).rejects.toThrow(/404/);
  });
});
