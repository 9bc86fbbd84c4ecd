// Wire details of the LangGraph Platform HTTP API that clients depend on,
// over raw HTTP (and the SDK where it interprets them): a failed wait's
// `__error__` body, a streamed failure's `error` event before `end`,
// subgraph events named `<mode>|<namespace>`, `: heartbeat` comments on an
// idle stream, Last-Event-ID resumption of a run's stream, CORS preflight.
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call as callAt, frames } from "./helpers/http-api.js";
import { collect, startTestServer, type TestServer } from "./helpers/server.js";

const GRAPHS = fileURLToPath(new URL("./fixtures/http-graphs/langgraph.json", import.meta.url));
const ORIGIN = "http://localhost:5173";
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer({ graphsFile: GRAPHS, heartbeatMs: 50, corsOrigins: [ORIGIN] });
});
afterAll(() => t.stop());

const hello = { messages: [{ role: "user", content: "hello wire" }] };
const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => callAt(t.url, method, path, body, headers);



describe("failures on the wire", () => {
  it("a failed wait answers {__error__: {error, message}}, which the SDK's runs.wait throws as '<name>: <message>'", async () => {
    const res = await call("POST", "/runs/wait", { assistant_id: "demo", input: hello, context: { fail: "the model fell over" } });
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ __error__: { error: "Error", message: "the model fell over" } });
    const client = new Client({ apiUrl: t.url });
    await expect(client.runs.wait(null, "demo", { input: hello, context: { fail: true } })).rejects.toThrow(/^Error: boom$/);
    const background = (await call("POST", "/runs", { assistant_id: "demo", input: hello, context: { fail: true } })).json();
    expect((await call("GET", `/threads/${background.thread_id}/runs/${background.run_id}/join`)).json()).toEqual({ __error__: { error: "Error", message: "boom" } });
  });

  it("a streamed failure sends an error event, then end with status error", async () => {
    const res = await call("POST", "/runs/stream", { assistant_id: "demo", input: hello, context: { fail: true }, stream_mode: ["updates"] });
    const events = frames(res.text);
    expect(events[0]!.event).toBe("metadata");
    expect(events.slice(-2)).toEqual([
      expect.objectContaining({ event: "error", data: { error: "Error", message: "boom" } }),
      expect.objectContaining({ event: "end", data: expect.objectContaining({ status: "error" }) }),
    ]);
  });
});

describe("subgraph events", () => {
  it("are named <mode>|<namespace> with stream_subgraphs, and not sent without it", async () => {
    const run = (subgraphs: boolean) => call("POST", "/runs/stream", { assistant_id: "with_subgraph", input: hello, stream_mode: ["updates"], stream_subgraphs: subgraphs });
    const withSub = frames((await run(true)).text).filter((f) => f.event.startsWith("updates"));
    const inner = withSub.filter((f) => f.event !== "updates");
    expect(inner.length).toBeGreaterThan(0);
    for (const f of inner) expect(f.event).toMatch(/^updates\|inner:[0-9a-f-]+$/);
    expect(inner[0]!.data).toHaveProperty("answer");
    expect(withSub.filter((f) => f.event === "updates").map((f) => Object.keys(f.data))).toEqual([["inner"]]);
    const without = frames((await run(false)).text).filter((f) => f.event.startsWith("updates"));
    expect(without.map((f) => f.event)).toEqual(["updates"]);
  });
});

describe("one run for every protocol", () => {
  it("a run streamed over HTTP is the run GetRun and JoinRun see, event for event; the stream says where it lives", async () => {
    const res = await call("POST", "/runs/stream", { assistant_id: "demo", input: hello, stream_mode: ["updates"] });
    const { run_id: runId, thread_id: threadId } = frames(res.text)[0]!.data;
    expect(res.headers.get("content-location")).toBe(`/threads/${threadId}/runs/${runId}`);
    expect(res.headers.get("location")).toBe(`/threads/${threadId}/runs/${runId}/stream`);
    expect((await t.connectJson.getRun({ runId })).run).toMatchObject({ runId, threadId });
    const joined = await collect(t.connectJson.joinRun({ runId }));
    const ids = joined.flatMap((r) => (r.payload.case === "event" ? [String(r.payload.value.eventId)] : []));
    expect(ids).toEqual(frames(res.text).map((f) => f.id));
  });
});

describe("idle streams and resumption", () => {
  it("an idle stream carries ': heartbeat' comments between events", async () => {
    const res = await call("POST", "/runs/stream", { assistant_id: "demo", input: hello, context: { delay_ms: 600 }, stream_mode: ["updates"] });
    expect(res.text).toMatch(/^: heartbeat$/m);
    const firstUpdate = res.text.indexOf("event: updates");
    expect(res.text.indexOf(": heartbeat")).toBeGreaterThan(res.text.indexOf("event: metadata"));
    expect(res.text.indexOf(": heartbeat")).toBeLessThan(firstUpdate);
    expect(frames(res.text).at(-1)!.event).toBe("end");
  });

  it("GET /threads/{tid}/runs/{rid}/stream replays a run, resumes after Last-Event-ID, filters by stream_mode", async () => {
    const created = (await call("POST", "/runs", { assistant_id: "demo", input: hello, stream_mode: ["custom", "values"], context: { custom_events: 6 } })).json();
    const path = `/threads/${created.thread_id}/runs/${created.run_id}`;
    await call("GET", `${path}/join`);
    const whole = frames((await call("GET", `${path}/stream`)).text);
    expect(whole[0]!.event).toBe("metadata");
    expect(whole.at(-1)!.event).toBe("end");
    expect(whole.filter((f) => f.event === "custom")).toHaveLength(6);
    const ids = whole.map((f) => Number(f.id));
    for (let i = 1; i < ids.length; i++) expect(ids[i]).toBeGreaterThan(ids[i - 1]!);

    const cut = 4;
    const resumed = await call("GET", `${path}/stream`, undefined, { "last-event-id": whole[cut]!.id! });
    expect(resumed.headers.get("location")).toBe(`${path}/stream`);
    expect(frames(resumed.text)).toEqual(whole.slice(cut + 1));
    const customOnly = frames((await call("GET", `${path}/stream?stream_mode=custom`)).text);
    expect(customOnly.map((f) => f.event)).toEqual(["metadata", ...Array(6).fill("custom"), "end"]);
    const bad = await call("GET", `${path}/stream`, undefined, { "last-event-id": "abc" });
    expect(bad.status).toBe(422);
    expect(bad.json().detail).toMatch(/^Last-Event-ID/);
  });
});

/** Starts a streamed run and drops the connection once its metadata arrived; the run's path. */
async function streamThenDrop(path: string, body: unknown): Promise<string> {
  const controller = new AbortController();
  const res = await fetch(`${t.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: controller.signal });
  const reader = res.body!.getReader();
  let text = "";
  while (!text.includes("event: metadata")) text += new TextDecoder().decode((await reader.read()).value);
  controller.abort();
  return res.headers.get("content-location")!;
}

describe("LangGraph's defaults where they differ from the RPCs'", () => {
  const slow = { assistant_id: "demo", input: hello, context: { delay_ms: 300 }, stream_mode: ["updates"] };

  it("on_disconnect: a Platform stream's run goes on when its client leaves; a DeerFlow stream's is cancelled", async () => {
    const platform = await streamThenDrop("/runs/stream", slow);
    const deerflow = await streamThenDrop("/api/runs/stream", slow);
    await expect.poll(async () => (await call("GET", platform)).json().status, { timeout: 10_000 }).toBe("success");
    await expect.poll(async () => (await call("GET", deerflow)).json().status, { timeout: 10_000 }).toBe("interrupted");
    const cancelled = await streamThenDrop("/runs/stream", { ...slow, on_disconnect: "cancel" });
    await expect.poll(async () => (await call("GET", cancelled)).json().status, { timeout: 10_000 }).toBe("interrupted");
  });

  it("if_not_exists: a run on a missing thread is 404 (reject) unless it says create", async () => {
    const threadId = crypto.randomUUID();
    expect((await call("POST", `/threads/${threadId}/runs/wait`, { assistant_id: "demo", input: hello })).status).toBe(404);
    expect((await call("GET", `/threads/${threadId}`)).status).toBe(404);
    const created = await call("POST", `/threads/${threadId}/runs/wait`, { assistant_id: "demo", input: hello, if_not_exists: "create" });
    expect(created.status).toBe(200);
    expect((await call("GET", `/threads/${threadId}`)).json().thread_id).toBe(threadId);
  });

  it("a stateless run keeps its thread (on_completion keep; delete is refused)", async () => {
    const res = await call("POST", "/runs/wait", { assistant_id: "demo", input: hello, on_completion: "keep" });
    const [, , threadId] = res.headers.get("content-location")!.split("/");
    expect((await call("GET", `/threads/${threadId}`)).json().values.messages).toHaveLength(4);
    const refused = await call("POST", "/runs/wait", { assistant_id: "demo", input: hello, on_completion: "delete" });
    expect(refused.status).toBe(422);
    expect(refused.json().detail).toMatch(/^on_completion: /);
  });

  it("the legacy 'messages' mode and 'events' are refused naming messages-tuple", async () => {
    for (const mode of ["messages", "events"]) {
      const res = await call("POST", "/runs/stream", { assistant_id: "demo", input: hello, stream_mode: ["updates", mode] });
      expect(res.status, mode).toBe(422);
      expect(res.json().detail, mode).toBe(`stream_mode[1]: "${mode}" is not supported; use "messages-tuple" for LLM tokens`);
    }
  });

  it("joining a run's stream with a checkpoint_id (as useStream does) replays the whole run", async () => {
    const created = (await call("POST", "/runs", { assistant_id: "demo", input: hello, stream_mode: ["updates"] })).json();
    const path = `/threads/${created.thread_id}/runs/${created.run_id}`;
    await call("GET", `${path}/join`);
    const whole = frames((await call("GET", `${path}/stream`)).text);
    const state = (await call("GET", `/threads/${created.thread_id}/state`)).json();
    expect(frames((await call("GET", `${path}/stream?checkpoint_id=${state.checkpoint.checkpoint_id}`)).text)).toEqual(whole);
  });
});

/** A browser's CORS preflight (node:http: fetch would not let us set Origin as a browser does). */
function preflight(origin: string, path: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const headers = { origin, "access-control-request-method": "POST", "access-control-request-headers": "content-type,x-api-key,last-event-id" };
    const req = request({ host: "127.0.0.1", port: t.port, path, method: "OPTIONS", headers }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("CORS with --cors-origins", () => {
  it("a preflight from an allowed origin allows x-api-key and last-event-id and exposes Content-Location", async () => {
    const res = await preflight(ORIGIN, "/threads/abc/runs/stream");
    expect(res.status).toBe(204);
    expect(res.headers["access-control-allow-origin"]).toBe(ORIGIN);
    const allowed = String(res.headers["access-control-allow-headers"]).toLowerCase().split(/,\s*/);
    for (const header of ["content-type", "x-api-key", "last-event-id", "authorization"]) expect(allowed).toContain(header);
    expect(String(res.headers["access-control-allow-methods"])).toMatch(/PATCH/);
    expect(String(res.headers["access-control-expose-headers"]).toLowerCase()).toMatch(/content-location/);
    const other = await preflight("http://evil.example", "/threads/abc/runs/stream");
    expect(other.headers["access-control-allow-origin"]).toBeUndefined();
  });
});
