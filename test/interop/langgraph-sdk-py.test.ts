// The LangGraph Platform's Python client (langgraph-sdk from PyPI,
// unmodified) against a live server: stream, wait, state, join. Installed in
// the interop venv by test/peers/python-go.sh; missing, it fails, never skips.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../helpers/server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PYTHON = `${ROOT}.cache/interop-venv/bin/python`;

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

it("runs the core flow through langgraph-sdk for Python", { timeout: 60_000 }, async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: run test/peers/python-go.sh to install the Python peers`);
  const { stdout } = await promisify(execFile)(PYTHON, [`${ROOT}test/interop/python/langgraph_sdk_client.py`, t.url], { timeout: 45_000, env: { ...process.env, NO_PROXY: "127.0.0.1", no_proxy: "127.0.0.1" } });
  const lines = Object.fromEntries(stdout.trim().split("\n").map((l) => { const [name, ...rest] = l.split(" "); return [name!, Object.fromEntries(rest.map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]))]; }));
  expect(lines["thread"]?.["status"]).toBe("idle");
  const events = lines["stream"]!["events"]!.split(",");
  expect(events[0]).toBe("metadata");
  expect(events).toEqual(expect.arrayContaining(["updates", "messages"]));
  expect(events.at(-1)).toBe("end");
  expect(lines["wait"]).toEqual({ messages: "8" });
  expect(lines["state"]).toMatchObject({ next: "0", messages: "8" });
  expect(lines["join"]).toEqual({ messages: "12", status: "success", runs: "3" });
  // The run the client streamed is the one the TypeScript client sees.
  const { run } = await t.connectJson.getRun({ runId: lines["stream"]!["run_id"]! });
  expect(run?.threadId).toBe(lines["thread"]!["id"]);
});
