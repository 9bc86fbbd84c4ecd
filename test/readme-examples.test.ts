// The README's copy-paste examples, run as written against a real server
// (only the port differs). A README example that breaks fails here.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "./helpers/server.js";
import { requireTool } from "./helpers/tools.js";

const run = promisify(execFile);
const README = readFileSync(new URL("../README.md", import.meta.url), "utf8");

/** Blocks introduced by `<!-- example: NAME expects: TEXT -->`, shell or TypeScript. */
function examples(): Array<{ name: string; expects: string; lang: string; script: string }> {
  const out = [];
  const pattern = /<!-- example: (\S+) expects: (.+?) -->\s*```(sh|bash|ts)\n([\s\S]*?)```/g;
  for (const m of README.matchAll(pattern)) out.push({ name: m[1]!, expects: m[2]!, lang: m[3]!, script: m[4]! });
  return out;
}

const ROOT = new URL("..", import.meta.url).pathname;

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
  it.each(all)("$name prints $expects", async ({ name, lang, script, expects }) => {
    const env = { ...process.env, PATH: `${process.env["HOME"]}/go/bin:${process.env["PATH"]}`, AGENT_RUNS_URL: t.url };
    let stdout: string;
    if (lang === "ts") {
      // Written next to package.json so its imports resolve as they would for a reader.
      const file = join(ROOT, `.readme-example-${name}.ts`);
      await writeFile(file, script);
      try {
        ({ stdout } = await run(join(ROOT, "node_modules/.bin/tsx"), [file], { cwd: ROOT, env, timeout: 30_000 }));
      } finally {
        await rm(file, { force: true });
      }
    } else {
      if (script.includes("grpcurl")) requireTool("grpcurl");
      ({ stdout } = await run("bash", ["-euo", "pipefail", "-c", script.replaceAll("127.0.0.1:8080", `127.0.0.1:${t.port}`)], {
        cwd: ROOT,
        env,
        timeout: 20_000,
      }));
    }
    expect(stdout).toContain(expects);
  });
});
