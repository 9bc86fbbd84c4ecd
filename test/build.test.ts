// The compiled build as an operator deploys it: `npm run build`'s script
// (scripts/build.mjs) into a temp dir, package.json and package-lock.json
// beside it, `npm ci --omit=dev` there (no tsx, no TypeScript, no Vite), then
// `node dist/src/main.js`: it answers WaitRun over Connect JSON, serves the
// playground from dist/playground, loads a TypeScript graph file without a
// loader (Node 24 strips types itself) and hands it the bundle's own LangGraph
// (one copy, not a second from node_modules), and exits 0 on SIGTERM. Loopback only.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { copyFile, cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const run = promisify(execFile);
/** Node runs .ts files itself (type stripping: Node 22.18+, 23.6+, every 24). */
const NATIVE_TS = Boolean((process.features as { typescript?: unknown }).typescript);
const GRAPH_FILE = NATIVE_TS ? "agents/typed.ts" : "agents/typed.mjs";
const GRAPH = `import { AIMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";

// Where this file's LangGraph comes from: the bundle's shared/ copy (src/shared-packages.ts), or node_modules.
const langgraph = import.meta.resolve("@langchain/langgraph").includes("/dist/src/shared/") ? "the bundle's LangGraph" : "a second LangGraph";

function reply(state${NATIVE_TS ? ": typeof MessagesAnnotation.State" : ""}) {
  return { messages: [new AIMessage(\`compiled build, \${state.messages.length} message(s) in, \${langgraph}\`)] };
}

export const graph = new StateGraph(MessagesAnnotation).addNode("reply", reply).addEdge(START, "reply").addEdge("reply", END);
`;

let dir: string;
let child: ChildProcess | undefined;
let exited: Promise<number | null>;
let url: string;
let output = "";
let startMs = 0;

/** npm on this test's own Node, with its own cache (offline first; the registry only for what the cache lacks). */
function npm(args: string[], cwd: string, timeout: number) {
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${dirname(process.execPath)}${delimiter}${process.env["PATH"] ?? ""}` };
  delete env["NODE_OPTIONS"];
  for (const key of Object.keys(env)) if (key.startsWith("npm_")) delete env[key];
  return run("npm", args, { cwd, env, timeout, maxBuffer: 16 << 20 });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "agent-runs-build-"));
  await run(process.execPath, [join(REPO, "scripts/build.mjs"), join(dir, "dist")], { cwd: REPO, timeout: 120_000, maxBuffer: 16 << 20 });
  await copyFile(join(REPO, "package.json"), join(dir, "package.json"));
  await copyFile(join(REPO, "package-lock.json"), join(dir, "package-lock.json"));
  await cp(join(REPO, "scripts"), join(dir, "scripts"), { recursive: true });
  await npm(["ci", "--omit=dev", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error"], dir, 240_000);
  await mkdir(join(dir, "agents"));
  await writeFile(join(dir, GRAPH_FILE), GRAPH);
  await writeFile(join(dir, "graphs.json"), JSON.stringify({ graphs: { typed: `./${GRAPH_FILE}:graph` } }));

  const env = { ...process.env };
  delete env["NODE_OPTIONS"];
  startMs = performance.now();
  const proc = spawn(
    process.execPath,
    ["--max-semi-space-size=64", "dist/src/main.js", "--host", "127.0.0.1", "--port", "0", "--log-level", "info", "--graphs", "graphs.json", "--drain-ms", "2000"],
    { cwd: dir, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  child = proc;
  exited = new Promise((resolve) => proc.once("exit", (code) => resolve(code)));
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the built service did not listen within 30 s:\n${output}`)), 30_000);
    proc.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /"url":"(http:\/\/[^"]+)"/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    proc.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`the built service exited with ${code}:\n${output}`));
    });
  });
  startMs = performance.now() - startMs;
}, 420_000);

afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill("SIGKILL");
    await exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

function waitRun(assistantId: string, text: string) {
  return fetch(`${url}/agentruns.v1.RunsService/WaitRun`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ run: { assistant_id: assistantId, input: { messages: [{ role: "user", content: text }] } } }),
    signal: AbortSignal.timeout(15_000),
  });
}

/** Every .js file under a folder. */
function jsFiles(folder: string): string[] {
  return readdirSync(folder, { recursive: true, encoding: "utf8" })
    .filter((name) => name.endsWith(".js"))
    .map((name) => join(folder, name));
}

describe("the compiled build", () => {
  it("is plain JavaScript that imports only production dependencies", () => {
    expect(existsSync(join(dir, "dist/src/main.js"))).toBe(true);
    // One bundle (scripts/bundle.mjs): no tsc output per source file.
    expect(existsSync(join(dir, "dist/src/app.js"))).toBe(false);
    expect(existsSync(join(dir, "dist/gen"))).toBe(false);
    const manifest = JSON.parse(readFileSync(join(dir, "dist/src/shared/manifest.json"), "utf8")) as Record<string, string>;
    for (const specifier of ["@langchain/langgraph", "@langchain/core/messages", "zod"]) {
      expect(existsSync(join(dir, "dist/src/shared", manifest[specifier] ?? "missing")), specifier).toBe(true);
    }
    expect(existsSync(join(dir, "dist/playground/index.html"))).toBe(true);
    expect(existsSync(join(dir, "dist/src/playground"))).toBe(false);
    for (const dev of ["tsx", "typescript", "vite", "vitest", "@connectrpc/connect-web"]) {
      expect(existsSync(join(dir, "node_modules", dev)), `${dev} installed by npm ci --omit=dev`).toBe(false);
    }
    const pkg = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { dependencies: Record<string, string> };
    const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
    const bad: string[] = [];
    let imports = 0;
    for (const file of jsFiles(join(dir, "dist/src"))) {
      const text = readFileSync(file, "utf8");
      // esbuild writes a module's static imports at the start of a line (nested code is indented) and keeps
      // import("x") and require("x") of what it left outside; anything else naming a package is a string or comment.
      const specifiers = [
        ...text.matchAll(/^(?:import|export)\b[^;\n]*?["']([^"']+)["'];?$/gm),
        ...text.matchAll(/\b(?:import|__require\d*|require)\(\s*["']([^"']+)["']\s*\)/g),
      ].map((m) => m[1]!);
      for (const specifier of specifiers) {
        imports++;
        if (specifier.startsWith(".")) {
          if (!existsSync(join(dirname(file), specifier))) bad.push(`${file.slice(dir.length + 1)}: ${specifier} (no such file)`);
          continue;
        }
        const spec = specifier.replace(/^node:/, "");
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        if (!allowed.has(name)) bad.push(`${file.slice(dir.length + 1)}: ${specifier}`);
      }
    }
    expect(imports).toBeGreaterThan(10);
    expect(bad).toEqual([]);
  });

  it("runs under npm start with no build tools (dist/, scripts/, package.json and npm ci --omit=dev: README's deploy)", async () => {
    const { stdout } = await npm(["start", "--silent", "--", "--help"], dir, 60_000);
    expect(stdout).toContain("--graphs");
  });

  it("starts without a TypeScript loader and answers WaitRun over Connect JSON", async () => {
    expect(startMs).toBeLessThan(30_000);
    const res = await waitRun("demo", "hello compiled build");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { run?: { status?: string }; values?: { messages?: Array<{ content?: unknown }> } };
    expect(body.run?.status).toBe("RUN_STATUS_SUCCESS");
    expect(body.values?.messages?.at(-1)?.content).toBe("The text has 3 words.");
  });

  it(`loads a graph file (${GRAPH_FILE}) with no loader`, async () => {
    const res = await waitRun("typed", "hi");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { run?: { status?: string }; values?: { messages?: Array<{ content?: unknown }> } };
    expect(body.run?.status).toBe("RUN_STATUS_SUCCESS");
    expect(body.values?.messages?.at(-1)?.content).toBe("compiled build, 1 message(s) in, the bundle's LangGraph");
  });

  it("serves the playground from dist/playground", async () => {
    const res = await fetch(`${url}/playground/`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(await res.text()).toContain("/playground/assets/");
  });

  it("drains and exits 0 on SIGTERM", async () => {
    child!.kill("SIGTERM");
    const code = await Promise.race([exited, new Promise<string>((resolve) => setTimeout(() => resolve("timeout"), 15_000))]);
    expect(code, output).toBe(0);
    expect(output).toContain("draining");
  });
});
