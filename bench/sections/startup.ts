// Section 13 (issue 19): process start to the first answered WaitRun, the compiled build against
// running from source, in one run. Four ways to start, alternated rep by rep so a busy moment
// hits them alike:
//   npm start       what an operator types: the staleness check of dist/, then dist/src/main.js
//   node dist       node dist/src/main.js alone (the container's entrypoint)
//   npm run dev     what `npm start` did before the compiled build: the playground built with Vite,
//                   then TypeScript compiled by tsx as it loads
//   node tsx        node --import tsx src/main.ts alone (the source without the Vite step)
// Each start gets a fresh free port; the clock runs from spawn until a WaitRun over Connect JSON
// answers 200 (polled every 5 ms; a refused connection is retried), and the process is stopped
// before the next start. All four run in a snapshot of the sources (.cache/startup-checkout:
// package.json, tsconfigs, scripts/, src/, gen/, built there beforehand, outside the clock; its
// imports resolve to the repository's node_modules), so edits to the checkout during the run
// cannot make `npm start` rebuild inside the clock.
// With --startup-before <git ref>, that commit's sources (git archive) are built the same way in
// .cache/startup-before and its `npm start` and `node dist/src/main.js` join the rotation: before
// and after in one run.
import { spawn, spawnSync } from "node:child_process";
import { cpSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { median, sleep } from "../lib.js";
import { log, QUICK, ROOT, STARTUP_BEFORE } from "../harness/config.js";
import { children, stopChild } from "../harness/processes.js";
import { R } from "../harness/results.js";
import { freePort } from "../../test/helpers/ports.js";
import { runStandalone } from "../harness/standalone.js";

export interface StartupCase {
  name: string;
  /** The build started: "after" is this checkout, "before" the --startup-before commit. */
  build: "before" | "after";
  command: string;
  /** ms from spawn to the first WaitRun answered, one per rep. */
  ms: number[];
  medianMs: number;
}

const SERVICE_FLAGS = ["--host", "127.0.0.1", "--log-level", "warn", "--drain-ms", "0"];
const NODE_FLAGS = ["--max-semi-space-size=64"];

type Case = { name: string; command: string; argv: (port: number) => string[] };
const COMPILED: Case[] = [
  { name: "npm start (compiled)", command: "npm start -- …", argv: (port) => ["npm", "start", "--silent", "--", ...SERVICE_FLAGS, "--port", String(port)] },
  { name: "node dist/src/main.js", command: "node dist/src/main.js …", argv: (port) => [process.execPath, ...NODE_FLAGS, "dist/src/main.js", ...SERVICE_FLAGS, "--port", String(port)] },
];
const CASES: Case[] = [
  ...COMPILED,
  { name: "npm run dev (tsx, Vite)", command: "npm run dev -- …", argv: (port) => ["npm", "run", "dev", "--silent", "--", ...SERVICE_FLAGS, "--port", String(port)] },
  { name: "node --import tsx src/main.ts", command: "node --import tsx src/main.ts …", argv: (port) => [process.execPath, ...NODE_FLAGS, "--import", "tsx", "src/main.ts", ...SERVICE_FLAGS, "--port", String(port)] },
];

async function answered(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/agentruns.v1.RunsService/WaitRun`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ run: { assistant_id: "demo", input: { messages: [{ role: "user", content: "first" }] } } }),
      signal: AbortSignal.timeout(10_000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false; // not listening yet
  }
}

/** One start: spawn, poll WaitRun until it answers, stop. */
// Under .cache/ (git-ignored, outside tsconfig.json's include), so no typecheck of the repository sees the copy.
// The quick smoke check runs in the repository itself (CI's checkout is not being edited, and dist/ is built).
const CHECKOUT = QUICK ? ROOT : join(ROOT, ".cache", "startup-checkout");
const BEFORE_CHECKOUT = join(ROOT, ".cache", "startup-before");
const SNAPSHOT = ["package.json", "tsconfig.json", "tsconfig.build.json", "scripts", "src", "gen"];

/** The --startup-before commit's sources (the same paths as SNAPSHOT), extracted and built in BEFORE_CHECKOUT. */
function snapshotBefore(ref: string): void {
  rmSync(BEFORE_CHECKOUT, { recursive: true, force: true });
  mkdirSync(BEFORE_CHECKOUT, { recursive: true });
  const archive = spawnSync("git", ["archive", "--format=tar", ref, ...SNAPSHOT], { cwd: ROOT, maxBuffer: 256 << 20 });
  if (archive.status !== 0) throw new Error(`git archive ${ref} failed: ${archive.stderr.toString()}`);
  const unpacked = spawnSync("tar", ["-x", "-C", BEFORE_CHECKOUT], { input: archive.stdout });
  if (unpacked.status !== 0) throw new Error(`tar failed: ${unpacked.stderr.toString()}`);
  const built = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: BEFORE_CHECKOUT, stdio: "inherit" });
  if (built.status !== 0) throw new Error(`npm run build failed in the ${ref} snapshot`);
}

/** The sources as they are now, copied and built (dist/) in CHECKOUT. */
function snapshot(): void {
  if (CHECKOUT === ROOT) {
    const built = spawnSync(process.execPath, ["scripts/build.mjs", "--if-stale"], { cwd: ROOT, stdio: "inherit" });
    if (built.status !== 0) throw new Error("npm run build failed");
    return;
  }
  rmSync(CHECKOUT, { recursive: true, force: true });
  for (const entry of SNAPSHOT) cpSync(join(ROOT, entry), join(CHECKOUT, entry), { recursive: true });
  const built = spawnSync(process.execPath, ["scripts/build.mjs"], { cwd: CHECKOUT, stdio: "inherit" });
  if (built.status !== 0) throw new Error("npm run build failed in the snapshot");
}

async function startOnce(argvFor: (port: number) => string[], cwd: string): Promise<number> {
  const port = await freePort();
  const argv = argvFor(port);
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${join(process.execPath, "..")}:${process.env["PATH"] ?? ""}` };
  delete env["NODE_OPTIONS"];
  const t0 = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), { cwd, env, stdio: ["ignore", "ignore", "pipe"], detached: true });
  children.add(child);
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => void (stderr = (stderr + chunk.toString()).slice(-4000)));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`${argv.join(" ")} exited with ${child.exitCode}: ${stderr}`);
      if (await answered(port)) return performance.now() - t0;
      if (performance.now() - t0 > 120_000) throw new Error(`${argv.join(" ")}: no WaitRun answered in 120 s: ${stderr}`);
      await sleep(5);
    }
  } finally {
    await stopChild(child);
  }
}

export async function startupSection(): Promise<StartupCase[]> {
  snapshot();
  if (STARTUP_BEFORE) snapshotBefore(STARTUP_BEFORE);
  const reps = QUICK ? 1 : 5;
  const runs = [
    ...(STARTUP_BEFORE ? COMPILED.map((c) => ({ ...c, build: "before" as const, cwd: BEFORE_CHECKOUT })) : []),
    ...CASES.map((c) => ({ ...c, build: "after" as const, cwd: CHECKOUT })),
  ];
  const results: StartupCase[] = runs.map((c) => ({ name: c.name, build: c.build, command: c.command, ms: [], medianMs: 0 }));
  for (let rep = 0; rep < reps; rep++) {
    for (const [i, c] of runs.entries()) results[i]!.ms.push(await startOnce(c.argv, c.cwd));
  }
  for (const r of results) {
    r.medianMs = median(r.ms);
    log(`   ${r.build === "before" ? `${STARTUP_BEFORE}: ` : ""}${r.name}: median ${(r.medianMs / 1000).toFixed(2)} s (${r.ms.map((ms) => (ms / 1000).toFixed(2)).join(", ")})`);
  }
  R.startup = results;
  return results;
}

/** Section 13 of RESULTS.md. */
export function startupReport(results: StartupCase[] = R.startup): string[] {
  if (!results.length) return [];
  const byName = new Map(results.filter((r) => r.build === "after").map((r) => [r.name, r]));
  const compiled = byName.get("npm start (compiled)")!;
  const dev = byName.get("npm run dev (tsx, Vite)")!;
  const before = results.filter((r) => r.build === "before");
  const beforeLines = before.map((r) => {
    const after = byName.get(r.name)!;
    return `${r.command.replace(" …", "")}: ${(r.medianMs / 1000).toFixed(2)} s before, ${(after.medianMs / 1000).toFixed(2)} s after (${(after.medianMs / r.medianMs).toFixed(2)}x).`;
  });
  return [
    `## 13. Start-up: process start to the first answered WaitRun (issue 19)`,
    ``,
    `Each way of starting the service, spawned ${results[0]!.ms.length} time(s) in turn, timed from spawn until a WaitRun over Connect JSON (demo assistant) answers 200, polled every 5 ms; the process is stopped before the next start; all in a snapshot of the sources (.cache/startup-checkout) built beforehand, so \`npm start\` finds dist/ fresh. \`npm start\` runs the compiled build (dist/); \`npm run dev\` is what \`npm start\` was before it: the playground built by Vite, then the source compiled by tsx as it loads. Rerun: \`npx tsx bench/run.ts --only startup\` (\`--startup-before <git ref>\` adds that commit's compiled starts).`,
    ``,
    `| build | start command | median | each start |`,
    `|---|---|---:|---|`,
    ...results.map((r) => `| ${r.build} | \`${r.command}\` | ${(r.medianMs / 1000).toFixed(2)} s | ${r.ms.map((ms) => (ms / 1000).toFixed(2)).join(", ")} |`),
    ``,
    ...(before.length ? [`Before (${STARTUP_BEFORE}) and after (this checkout), in one run: ${beforeLines.join(" ")}`, ``] : []),
    `\`npm start\` answers its first WaitRun ${(dev.medianMs / compiled.medianMs).toFixed(1)}x sooner than \`npm run dev\` (${(compiled.medianMs / 1000).toFixed(2)} s vs ${(dev.medianMs / 1000).toFixed(2)} s).`,
    ``,
  ];
}

// Standalone: `npx tsx bench/sections/startup.ts [--quick]` prints the table.
runStandalone(import.meta, startupSection, startupReport);
