// The README's copy-paste examples, run as written against a real server
// (only the port differs). A README example that breaks fails here.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { requireTool } from "./helpers/tools.js";

const run = promisify(execFile);
const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** Blocks introduced by `<!-- example: NAME expects: TEXT -->`. */
function examples(): Array<{ name: string; expects: string; script: string }> {
  const out = [];
  const pattern = /<!-- example: (\S+) expects: (.+?) -->\s*```(?:sh|bash)\n([\s\S]*?)```/g;
  for (const m of README.matchAll(pattern)) out.push({ name: m[1]!, expects: m[2]!, script: m[3]! });
  return out;
}

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

describe("README examples", () => {
  const all = examples();
  it("exist", () => {
    expect(all.length).toBeGreaterThanOrEqual(3);
  });
  it.each(all)("$name prints $expects", async ({ script, expects }) => {
    if (script.includes("grpcurl")) requireTool("grpcurl");
    const { stdout } = await run("bash", ["-euo", "pipefail", "-c", script.replaceAll("127.0.0.1:8080", `127.0.0.1:${t.port}`)], {
      cwd: new URL("..", import.meta.url).pathname,
      env: { ...process.env, PATH: `${process.env["HOME"]}/go/bin:${process.env["PATH"]}` },
      timeout: 20_000,
    });
    expect(stdout).toContain(expects);
  });
});
