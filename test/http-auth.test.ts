// Auth on every route of the HTTP APIs, read from the route table itself so a
// new route cannot be missed: a route that declares a permission answers 401
// without credentials and 403 with a key lacking that permission (and neither
// with a key holding only it); routes without one answer anyone. Acting for a
// user (x-agent-runs-user) works over HTTP as over the RPCs.
import { randomUUID } from "node:crypto";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_PERMISSIONS, PERMISSIONS, type Permission } from "../src/auth/caller.js";
import { call as callAt } from "./helpers/http-api.js";
import { startTestServer, type TestServer } from "./helpers/server.js";

/** One key per permission holding only it, and one holding every permission but it. */
const onlyKey = (p: Permission) => `only-${p}`;
const allButKey = (p: Permission) => `all-but-${p}`;
let t: TestServer;
let open: TestServer;
beforeAll(async () => {
  const perPermission = PERMISSIONS.flatMap((p) => [
    { key: onlyKey(p), user_id: "alice", permissions: [p] },
    { key: allButKey(p), user_id: "alice", permissions: PERMISSIONS.filter((q) => q !== p) },
  ]);
  t = await startTestServer({}, {
    auth: {
      api_keys: [
        ...perPermission,
        { key: "carol-key", user_id: "carol" },
        { key: "dave-key", user_id: "dave" },
        { key: "backend-key", user_id: "backend", permissions: [...DEFAULT_PERMISSIONS, "users:act_as"] },
      ],
    },
  });
  open = await startTestServer();
});
afterAll(async () => {
  await t.stop();
  await open.stop();
});

/**
 * The shared call() with this file's argument order (headers before body, on `t` unless told). The
 * route table's methods are lower case and fetch only upper-cases some (not PATCH), hence toUpperCase;
 * each request gives up after 20 s.
 */
const call = (method: string, path: string, headers: Record<string, string> = {}, body?: unknown, server = t) =>
  callAt(server.url, method.toUpperCase(), path, body, headers, 20_000);

/** A route's path with every parameter filled (ids of a valid shape that name nothing). */
const concrete = (path: string) => path.replace(/:([a-z_]+)/g, (_m, name: string) => (name === "checkpoint_id" ? "1ef0" : `missing-${name}`));

describe("every HTTP route's permission", () => {
  const routes = () => t.server.app.httpApi.routes;

  it("the route table declares one for every route but the probes, /info and /openapi.json", () => {
    expect(routes().filter((r) => r.permission === null).map((r) => r.path).sort()).toEqual(["/info", "/ok", "/openapi.json"]);
    expect(routes().length).toBeGreaterThan(30);
  });

  it("401 without credentials, 403 with a key lacking it, neither with a key holding only it", async () => {
    for (const r of routes().filter((r) => r.permission !== null)) {
      const path = concrete(r.path);
      const name = `${r.method} ${r.path}`;
      const anonymous = await call(r.method, path);
      expect(anonymous.status, name).toBe(401);
      expect(anonymous.json().detail, name).toMatch(/credentials/);
      const lacking = await call(r.method, path, { "x-api-key": allButKey(r.permission!) });
      expect(lacking.status, name).toBe(403);
      expect(lacking.json().detail, name).toContain(r.permission!);
      const holding = await call(r.method, path, { authorization: `Bearer ${onlyKey(r.permission!)}` });
      expect([401, 403], `${name}: ${holding.text}`).not.toContain(holding.status);
    }
  });

  it("routes without a permission answer without credentials", async () => {
    for (const r of routes().filter((r) => r.permission === null)) expect((await call(r.method, r.path)).status, r.path).toBe(200);
  });
});

describe("the SDK's apiKey", () => {
  it("is sent as x-api-key and taken as the key's user; without it the SDK surfaces the 401", async () => {
    const thread = await new Client({ apiUrl: t.url, apiKey: "carol-key" }).threads.create({ metadata: { by: "sdk" } });
    expect((await call("get", `/threads/${thread.thread_id}`, { authorization: "Bearer carol-key" })).status).toBe(200);
    expect((await call("get", `/threads/${thread.thread_id}`, { authorization: "Bearer dave-key" })).status).toBe(404);
    await expect(new Client({ apiUrl: t.url, apiKey: null }).threads.create()).rejects.toThrow(/401/);
  });
});

describe("acting for a user (x-agent-runs-user) over HTTP", () => {
  const hello = { messages: [{ role: "user", content: "for carol" }] };

  it("makes the call the named user's; refused without users:act_as; a bad user id is 422", async () => {
    const created = await call("post", "/runs/wait", { "x-api-key": "backend-key", "x-agent-runs-user": "carol" }, { assistant_id: "demo", input: hello });
    expect(created.status).toBe(200);
    const runPath = created.headers.get("content-location")!;
    const [, , threadId, , runId] = runPath.split("/");
    expect((await call("post", "/threads/search", { "x-api-key": "carol-key" }, {})).json().map((x: any) => x.thread_id)).toContain(threadId);
    expect((await call("get", `/threads/${threadId}/runs`, { "x-api-key": "carol-key" })).json().map((r: any) => r.run_id)).toEqual([runId]);
    expect((await call("get", runPath, { "x-api-key": "backend-key", "x-agent-runs-user": "carol" })).status).toBe(200);
    expect((await call("get", runPath, { "x-api-key": "backend-key" })).status).toBe(404);
    expect((await call("get", runPath, { "x-api-key": "backend-key", "x-agent-runs-user": "dave" })).status).toBe(404);
    expect((await call("get", `/api/runs/${runId}/messages`, { "x-api-key": "backend-key", "x-agent-runs-user": "carol" })).json().data.length).toBe(4);

    const refused = await call("get", runPath, { "x-api-key": "dave-key", "x-agent-runs-user": "carol" });
    expect(refused.status).toBe(403);
    expect(refused.json().detail).toMatch(/users:act_as/);
    const tooLong = await call("get", runPath, { "x-api-key": "backend-key", "x-agent-runs-user": "x".repeat(129) });
    expect(tooLong.status).toBe(422);
    expect(tooLong.json().detail).toMatch(/^x-agent-runs-user: /);
  });

  it("is refused on a server without auth (its single local user may not act for anyone), storing nothing", async () => {
    const res = await call("post", "/threads", { "x-agent-runs-user": "carol" }, { thread_id: randomUUID() }, open);
    expect(res.status).toBe(403);
    expect((await call("post", "/threads/search", {}, {}, open)).json()).toEqual([]);
  });
});
