// The HTTP APIs with raw requests: DeerFlow's runs routes in the seed's
// request shapes, LangGraph's bulk cancel, the OpenAPI document, x-api-key,
// and what bad input gets (422 naming the field, 404, 409; never a 500).
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { routeTable } from "../src/http/route-table.js";
import { call as callAt, frames } from "./helpers/http-api.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

const GRAPHS = fileURLToPath(new URL("./fixtures/http-graphs/langgraph.json", import.meta.url));
let t: TestServer;
let secured: TestServer;
beforeAll(async () => {
  t = await startTestServer({ graphsFile: GRAPHS });
  secured = await startTestServer({}, { auth: { api_keys: [{ key: "key-a", user_id: "alice" }, { key: "key-b", user_id: "bob" }] } });
});
afterAll(async () => {
  await t.stop();
  await secured.stop();
});

const hello = { messages: [{ role: "user", content: "hello from deerflow" }] };
const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}, server = t) => callAt(server.url, method, path, body, headers);



describe("DeerFlow's runs routes", () => {
  it("streams a run on config.configurable.thread_id with DeerFlow's headers, metadata first and end last", async () => {
    const threadId = `deer-${randomUUID().slice(0, 8)}`;
    const res = await call("POST", "/api/runs/stream", { assistant_id: "demo", input: hello, config: { configurable: { thread_id: threadId } }, stream_mode: ["values"] });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("x-accel-buffering")).toBe("no");
    const events = frames(res.text);
    expect(events[0]).toMatchObject({ event: "metadata", data: { thread_id: threadId } });
    expect(res.headers.get("content-location")).toBe(`/threads/${threadId}/runs/${events[0]!.data.run_id}`);
    expect(events.at(-1)).toMatchObject({ event: "end", data: { status: "success" } });
    expect(events.slice(1, -1).every((e) => e.event === "values")).toBe(true);
  });

  it("waits, then pages the run's messages by seq as {data, has_more} and lists its feedback", async () => {
    const res = await call("POST", "/api/runs/wait", { assistant_id: "demo", input: hello });
    expect(res.status).toBe(200);
    expect(res.json().messages.map((m: any) => m.type)).toEqual(["human", "ai", "tool", "ai"]);
    const runId = res.headers.get("content-location")!.split("/").at(-1)!;

    const last = (await call("GET", `/api/runs/${runId}/messages?limit=2`)).json();
    expect(Object.keys(last).sort()).toEqual(["data", "has_more"]);
    expect(last.data.map((r: any) => r.content.type)).toEqual(["tool", "ai"]);
    expect(last.has_more).toBe(true);
    const older = (await call("GET", `/api/runs/${runId}/messages?limit=2&before_seq=${last.data[0].seq}`)).json();
    expect(older).toMatchObject({ has_more: false });
    expect(older.data.map((r: any) => r.content.type)).toEqual(["human", "ai"]);
    const none = (await call("GET", `/api/runs/${runId}/messages?after_seq=${last.data[1].seq}`)).json();
    expect(none).toEqual({ data: [], has_more: false });
    expect((await call("GET", `/api/runs/${runId}/feedback`)).json()).toEqual([]);
  });

  it("answers 404 for an unknown run and 422 naming the query parameter", async () => {
    expect((await call("GET", `/api/runs/${randomUUID()}/messages`)).status).toBe(404);
    for (const [query, field] of [["limit=0", "query.limit"], ["limit=abc", "query.limit"], ["limit=201", "query.limit"], ["before_seq=0", "query.before_seq"], ["before_seq=2&after_seq=1", "before_seq"], ["page=2", "query.page"]] as const) {
      const res = await call("GET", `/api/runs/${randomUUID()}/messages?${query}`);
      expect(res.status, query).toBe(422);
      expect(res.json().detail, query).toMatch(new RegExp(`^${field.replace(".", "\\.")}`));
    }
  });
});

describe("bad input on the HTTP routes", () => {
  it.each([
    ["malformed JSON", "/runs/wait", "{not json", /^body: not valid JSON/],
    ["an unknown field", "/runs/wait", { assistant_id: "demo", input: hello, webhok: "x" }, /^webhok: not supported/],
    ["a wrong type", "/runs/wait", { assistant_id: "demo", input: "hi" }, /^input:/],
    ["an unsupported stream mode", "/runs/stream", { assistant_id: "demo", stream_mode: "events" }, /^stream_mode: "events" is not supported/],
    ["a message LangChain cannot read", "/runs/wait", { assistant_id: "demo", input: { messages: [{ nope: 1 }] } }, /^input\.messages\[0\]/],
    ["a bad thread id", "/threads/not%20an%20id/runs/wait", { assistant_id: "demo" }, /^path\.thread_id/],
    ["a feature this server does not have", "/runs/wait", { assistant_id: "demo", on_completion: "delete" }, /^on_completion/],
  ])("%s: 422 naming the field, nothing stored", async (_name, path, body, detail) => {
    const before = (await call("POST", "/threads/search", { limit: 200 })).json().length;
    const res = await call("POST", path, body);
    expect(res.status).toBe(422);
    expect(res.json().detail).toMatch(detail);
    expect((await call("POST", "/threads/search", { limit: 200 })).json()).toHaveLength(before);
  });

  it("404 for a thread that does not exist (if_not_exists reject), 409 for a busy thread under reject", async () => {
    expect((await call("POST", `/threads/${randomUUID()}/runs/wait`, { assistant_id: "demo", input: hello })).status).toBe(404);
    const { thread_id: threadId } = (await call("POST", "/threads", {})).json();
    const slow = (await call("POST", `/threads/${threadId}/runs`, { assistant_id: "demo", input: hello, context: { delay_ms: 20_000 } })).json();
    const busy = await call("POST", `/threads/${threadId}/runs/wait`, { assistant_id: "demo", input: hello });
    expect(busy.status).toBe(409);
    expect(busy.json().detail).toMatch(/\S/);
    // LangGraph's bulk cancel, by thread and status.
    expect((await call("POST", "/runs/cancel", { thread_id: threadId, status: "all" })).status).toBe(204);
    await expect.poll(async () => (await call("GET", `/threads/${threadId}/runs/${slow.run_id}`)).json().status).toBe("interrupted");
    expect((await call("POST", "/runs/cancel", { thread_id: threadId, run_ids: [slow.run_id] })).status).toBe(422);
  });
});

describe("route details the route table promises", () => {
  it("PATCH merges metadata (null removes a key); state at a checkpoint given as a reference; cancel 202, or 204 with wait; deleting an active run is 409", async () => {
    const thread = (await call("POST", "/threads", { metadata: { keep: 1, drop: 2 } })).json();
    expect((await call("PATCH", `/threads/${thread.thread_id}`, { metadata: { drop: null, added: 3 } })).json().metadata).toEqual({ keep: 1, added: 3 });

    await call("POST", `/threads/${thread.thread_id}/runs/wait`, { assistant_id: "demo", input: hello });
    const [latest, older] = (await call("POST", `/threads/${thread.thread_id}/history`, { limit: 2 })).json();
    const byRef = await call("POST", `/threads/${thread.thread_id}/state/checkpoint`, { checkpoint: { checkpoint_id: older.checkpoint.checkpoint_id, checkpoint_ns: "" } });
    expect(byRef.json().checkpoint.checkpoint_id).toBe(older.checkpoint.checkpoint_id);
    expect(byRef.json().checkpoint.checkpoint_id).not.toBe(latest.checkpoint.checkpoint_id);

    const slow = (await call("POST", `/threads/${thread.thread_id}/runs`, { assistant_id: "demo", input: hello, context: { delay_ms: 20_000 } })).json();
    const path = `/threads/${thread.thread_id}/runs/${slow.run_id}`;
    const active = await call("DELETE", path);
    expect(active.status).toBe(409);
    expect((await call("POST", `${path}/cancel`)).status).toBe(202);
    await expect.poll(async () => (await call("GET", path)).json().status).toBe("interrupted");
    const again = (await call("POST", `/threads/${thread.thread_id}/runs`, { assistant_id: "demo", input: hello, context: { delay_ms: 20_000 } })).json();
    expect((await call("POST", `/threads/${thread.thread_id}/runs/${again.run_id}/cancel?wait=1`)).status).toBe(204);
    expect((await call("GET", `/threads/${thread.thread_id}/runs/${again.run_id}`)).json().status).toBe("interrupted");
    expect((await call("DELETE", path)).status).toBe(204);
  });

  it("every run route answers 404 for a run on another thread than the path's, like a missing one, and changes nothing", async () => {
    const { thread_id: mine } = (await call("POST", "/threads", {})).json();
    const { thread_id: other } = (await call("POST", "/threads", {})).json();
    const slow = (await call("POST", `/threads/${mine}/runs`, { assistant_id: "demo", input: hello, context: { delay_ms: 20_000 } })).json();
    const waited = await call("POST", `/threads/${other}/runs/wait`, { assistant_id: "demo", input: hello });
    const ended = waited.headers.get("content-location")!.split("/").at(-1)!;
    for (const [runId, thread] of [[slow.run_id, other], [ended, mine], [randomUUID(), mine]] as const) {
      const path = `/threads/${thread}/runs/${runId}`;
      for (const [method, suffix] of [["GET", ""], ["GET", "/join"], ["GET", "/stream"], ["POST", "/cancel"], ["POST", "/cancel?wait=1"], ["DELETE", ""]] as const) {
        const res = await call(method, `${path}${suffix}`);
        expect(res.status, `${method} ${suffix} of ${runId}`).toBe(404);
        expect(res.json().detail, `${method} ${suffix}`).toContain(runId);
      }
    }
    expect((await call("GET", `/threads/${mine}/runs/${slow.run_id}`)).json().status).toMatch(/^(pending|running)$/);
    expect((await call("GET", `/threads/${other}/runs/${ended}`)).status).toBe(200);
    expect((await call("POST", `/threads/${mine}/runs/${slow.run_id}/cancel?wait=1`)).status).toBe(204);
  });
});

describe("credentials", () => {
  it("takes the same keys as Bearer or x-api-key; another user's run is 404 like a missing one", async () => {
    expect((await call("POST", "/runs/wait", { assistant_id: "demo", input: hello }, {}, secured)).status).toBe(401);
    const mine = await call("POST", "/runs", { assistant_id: "demo", input: hello }, { "x-api-key": "key-a" }, secured);
    expect(mine.status).toBe(200);
    const { run_id: runId, thread_id: threadId } = mine.json();
    expect((await call("GET", `/threads/${threadId}/runs/${runId}`, undefined, { authorization: "Bearer key-a" }, secured)).status).toBe(200);
    const theirs = await call("GET", `/threads/${threadId}/runs/${runId}`, undefined, { "x-api-key": "key-b" }, secured);
    expect(theirs.status).toBe(404);
    expect((await call("GET", `/api/runs/${runId}/messages`, undefined, { "x-api-key": "key-b" }, secured)).status).toBe(404);
    expect((await call("GET", "/ok", undefined, {}, secured)).json()).toEqual({ ok: true });
  });
});

describe("assistants", () => {
  it("lists the registered graphs and draws one as LangGraph does", async () => {
    expect((await call("POST", "/assistants/search", {})).json().map((a: any) => a.assistant_id)).toContain("demo");
    expect((await call("GET", "/assistants/demo")).json()).toMatchObject({ assistant_id: "demo", graph_id: "demo" });
    const drawing = (await call("GET", "/assistants/demo/graph")).json();
    expect(drawing.nodes.map((n: any) => n.id)).toEqual(["__start__", "agent", "tools", "__end__"]);
    expect(drawing.edges).toContainEqual(expect.objectContaining({ source: "tools", target: "agent" }));
    expect((await call("GET", "/assistants/nope/graph")).status).toBe(404);
  });
});

describe("GET /assistants/{id}/schemas", () => {
  it("a zod state's typed JSON Schemas, derived by LangGraph's own utilities (state: what an update may write; context as config)", async () => {
    const res = await call("GET", "/assistants/zod_notes/schemas");
    expect(res.status).toBe(200);
    const schemas = res.json();
    expect(Object.keys(schemas).sort()).toEqual(["config_schema", "context_schema", "graph_id", "input_schema", "output_schema", "state_schema"]);
    expect(schemas.graph_id).toBe("zod_notes");
    expect(schemas.output_schema).toMatchObject({ type: "object", properties: { topic: { type: "string" }, notes: { type: "array", items: { type: "string" } }, words: { type: "integer" } }, required: ["topic", "notes"] });
    // Input and state are partial, and a reducer's own input type (a string or a list) is what `notes` accepts.
    for (const partial of [schemas.input_schema, schemas.state_schema]) {
      expect(partial.required).toBeUndefined();
      expect(partial.properties.notes).toEqual({ anyOf: [{ type: "string" }, { type: "array", items: { type: "string" } }] });
    }
    expect(schemas.config_schema).toMatchObject({ type: "object", properties: { style: { type: "string", enum: ["short", "long"], default: "short" } } });
    expect(schemas.context_schema).toEqual(schemas.config_schema);
    for (const key of ["input_schema", "output_schema", "state_schema"]) expect(schemas[key].description, `${key}: every channel typed`).toBeUndefined();
    // The SDK reads the same answer.
    const { Client } = await import("@langchain/langgraph-sdk");
    expect(await new Client({ apiUrl: t.url }).assistants.getSchemas("zod_notes")).toEqual(schemas);
  });

  it("an Annotation state (the demo's MessagesAnnotation): its channel names, values of any type, said so; no config schema", async () => {
    const schemas = (await call("GET", "/assistants/demo/schemas")).json();
    for (const key of ["input_schema", "output_schema", "state_schema"]) {
      expect(schemas[key], key).toEqual({ type: "object", description: expect.stringMatching(/cannot derive at run time .*: messages\.$/), properties: { messages: {} } });
    }
    expect(schemas).toMatchObject({ graph_id: "demo", config_schema: null, context_schema: null });
    expect((await call("GET", "/assistants/nope/schemas")).status).toBe(404);
  });
});

describe("docs/http-api.md", () => {
  it("lists every route served: its route table is the one the routes produce", () => {
    const lines = readFileSync(new URL("../docs/http-api.md", import.meta.url), "utf8").split("\n");
    const start = lines.indexOf("## Routes");
    expect(start, "docs/http-api.md has no Routes section").toBeGreaterThanOrEqual(0);
    const table = lines.slice(start).filter((l) => l.startsWith("|")).join("\n");
    expect(table).toBe(routeTable(t.server.app.httpApi.routes));
  });
});

describe("GET /assistants/{id}/schemas of a StateSchema state", () => {
  it("types each field from its Standard JSON Schema (input and state take a reducer's input type); one without is any value, named in the description", async () => {
    const schemas = (await call("GET", "/assistants/state_schema_counter/schemas")).json();
    const untyped = expect.stringMatching(/cannot derive at run time .*: label\.$/);
    expect(schemas.output_schema).toEqual({ type: "object", description: untyped, properties: { count: { type: "number" }, log: { type: "array", items: { type: "string" } }, label: {} } });
    for (const key of ["input_schema", "state_schema"]) expect(schemas[key], key).toEqual({ type: "object", description: untyped, properties: { count: { type: "number" }, log: { type: "string" }, label: {} } });
    expect(schemas.config_schema).toBeNull();
    const run = await call("POST", "/runs/wait", { assistant_id: "state_schema_counter", input: { count: 3 } });
    expect(run.json()).toEqual({ count: 4, log: ["at 3"] });
  });
});

describe("GET /openapi.json", () => {
  it("describes every route served, generated from the route table, with bodies and parameters", async () => {
    const doc = (await call("GET", "/openapi.json")).json();
    expect(doc.openapi).toBe("3.1.0");
    const served = t.server.app.httpApi.routes.map((r) => `${r.method} ${r.path.replace(/:([a-z_]+)/g, "{$1}")}`).sort();
    const described = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)).sort();
    expect(described).toEqual(served);
    expect(served).toContain("post /threads/{thread_id}/runs/stream");
    expect(served).toContain("get /api/runs/{run_id}/messages");
    const wait = doc.paths["/runs/wait"].post;
    expect(wait.requestBody.content["application/json"].schema.required).toEqual(["assistant_id"]);
    expect(wait.requestBody.content["application/json"].schema.additionalProperties).toBe(false);
    expect(doc.paths["/threads/{thread_id}/runs"].get.parameters.map((p: any) => p.name)).toEqual(["thread_id", "limit", "offset", "status", "select"]);
  });
});
