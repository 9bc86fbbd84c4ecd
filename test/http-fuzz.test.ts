// Generated hostile requests (fast-check) at every route of the HTTP APIs,
// read from the route table itself so a new route cannot be missed: random
// path parameters, queries, headers and JSON (or not-JSON) bodies. Every
// answer must be a refusal or a success with a JSON or SSE body, never a 500,
// never a stack trace, and every refusal is `{detail}`; the server keeps
// serving and the reference run (which only reads may aim at) is unchanged.
// That a refusal stores nothing is checked case by case in http-api.test.ts.
import { request } from "node:http";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/server.js";

const RUNS = Number(process.env["FUZZ_RUNS"] ?? 150);

// Started at collection time: the cases are the server's own route table.
const t: TestServer = await startTestServer();
const reference = await (async () => {
  const res = await fetch(`${t.url}/runs/wait`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ assistant_id: "demo", input: { messages: [{ role: "user", content: "keep me" }] } }) });
  const [, , threadId, , runId] = res.headers.get("content-location")!.split("/");
  return { run_id: runId!, thread_id: threadId! };
})();
afterAll(() => t.stop());

/** One request on its own connection, read to its end (an SSE answer ends with its run). */
function send(method: string, path: string, headers: Record<string, string>, body: string | null): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    // The path goes out exactly as generated ("..", "%2F" and all): no URL normalization on the way.
    const req = request({ host: "127.0.0.1", port: t.port, path, method, agent: false, headers: { ...headers, ...(body !== null && { "content-length": Buffer.byteLength(body) }) } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), text }));
      res.on("error", reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`no answer within 20 s to ${method} ${path}: ${String(body).slice(0, 300)}`)));
    req.on("error", reject);
    req.end(body ?? undefined);
  });
}

const hostileText = fc.oneof(fc.string(), fc.constantFrom("", " ", "null", "..", "%00", "a".repeat(300), "../../etc/passwd", "__proto__", "constructor", "💥", "\u0000"));
const json = fc.jsonValue({ maxDepth: 4 });
const hostileBody = fc.oneof(
  json.map((v) => JSON.stringify(v)),
  fc.dictionary(fc.constantFrom("assistant_id", "input", "command", "config", "stream_mode", "metadata", "limit", "offset", "thread_id", "values", "checkpoint", "before", "run_ids", "status", "webhook", "durability", "interrupt_before", "__proto__", "x"), json).map((v) => JSON.stringify({ assistant_id: "demo", ...v })),
  fc.string().map((s) => `{${s}`),
  fc.constant(""),
);

describe.each(t.server.app.httpApi.routes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))("%s", (_name, routeSpec) => {
  // Reads may aim at the reference run; anything that writes gets only generated ids, so the reference survives.
  const aimAtReference = routeSpec.method === "get";
  it("answers hostile requests with a refusal or a result, never a 500", { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.tuple(hostileText, hostileText), fc.dictionary(fc.constantFrom("limit", "offset", "status", "before_seq", "after_seq", "stream_mode", "wait", "action", "x"), hostileText), hostileBody, fc.constantFrom("application/json", "text/plain", ""), async ([a, b], query, body, type) => {
        const path = routeSpec.path
          .replace(":thread_id", encodeURIComponent(a === "" && aimAtReference ? reference.thread_id : a || "t"))
          .replace(":run_id", encodeURIComponent(b === "" && aimAtReference ? reference.run_id : b || "r"))
          .replace(/:[a-z_]+/g, () => encodeURIComponent(a || "x"));
        const search = new URLSearchParams(query).toString();
        const res = await send(routeSpec.method.toUpperCase(), `${path}${search ? `?${search}` : ""}`, type ? { "content-type": type } : {}, routeSpec.method === "get" || routeSpec.method === "delete" ? null : body);
        expect(res.status, `${routeSpec.method} ${path}?${search} ${body.slice(0, 200)} -> ${res.text.slice(0, 300)}`).toBeLessThan(500);
        expect(res.text).not.toMatch(/at .+\.(ts|js):\d+/);
        if (res.status >= 400) expect(JSON.parse(res.text)).toEqual({ detail: expect.any(String) });
      }),
      { numRuns: RUNS },
    );
    // Still serving, and the reference run untouched (the fuzz never deletes what it cannot name).
    const ok = await send("GET", "/ok", {}, null);
    expect(ok.status).toBe(200);
  });
});

describe("after the fuzzing", () => {
  it("the reference run and its thread are as they were", async () => {
    const run = await send("GET", `/threads/${reference.thread_id}/runs/${reference.run_id}`, {}, null);
    expect(run.status).toBe(200);
    expect(JSON.parse(run.text)).toMatchObject({ run_id: reference.run_id, status: "success" });
  });
});
