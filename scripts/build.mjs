#!/usr/bin/env node
// `npm run build`: the service compiled for plain Node, no TypeScript loader.
//   tsc --noEmit -p tsconfig.build.json   the type check (a type error fails the build)
//   OUT/src/main.js     src/main.ts and what it imports, dependencies included,
//                       bundled by esbuild (bundle.mjs): a few files for Node to
//                       load instead of some 1,300, which was most of start-up
//   OUT/src/shared/     the bundle's own LangChain / LangGraph / zod modules,
//                       which graph files resolve to (src/shared-packages.ts)
//   OUT/playground/     the playground page, built by Vite (src/playground/vite.config.ts)
//   OUT/.built          written last; its mtime is when the build started
//
//   node scripts/build.mjs [--if-stale] [OUT]     OUT defaults to dist/
//
// --if-stale (scripts/start.mjs, when dist/ looks stale): does nothing when
// OUT/.built is newer than every input (src/, gen/, the tsconfigs, these
// scripts: freshness.mjs); when the build tools are not
// installed (`npm ci --omit=dev`) it keeps an existing build and fails only if
// there is none. Plain JavaScript so that it runs without tsx.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildIsFresh, ROOT } from "./freshness.mjs";

const args = process.argv.slice(2);
const ifStale = args.includes("--if-stale");
const out = resolve(ROOT, args.find((arg) => !arg.startsWith("--")) ?? "dist");
const stamp = join(out, ".built");

/** The file URL of an installed package's module, or null when it is not installed. */
function resolveTool(specifier) {
  try {
    return import.meta.resolve(specifier);
  } catch {
    return null;
  }
}

if (ifStale && buildIsFresh(out)) process.exit(0);

const tsc = resolveTool("typescript/bin/tsc");
const vite = resolveTool("vite");
const esbuild = resolveTool("esbuild");
if (!tsc || !vite || !esbuild) {
  const built = existsSync(join(out, "src", "main.js"));
  if (ifStale && built) {
    process.stderr.write(`build: typescript/vite/esbuild not installed (npm ci --omit=dev?): running the existing ${out}\n`);
    process.exit(0);
  }
  process.stderr.write(`build: ${built ? "" : `no build in ${out}, and `}typescript, vite and esbuild (devDependencies) are not installed: run npm install, then npm run build\n`);
  process.exit(1);
}

const started = new Date();
process.stderr.write(`build: type-checking src/ and gen/, bundling them into ${out}\n`);
for (const part of ["src", "gen", "playground", ".built"]) rmSync(join(out, part), { recursive: true, force: true });

const checked = spawnSync(process.execPath, [fileURLToPath(tsc), "-p", join(ROOT, "tsconfig.build.json"), "--noEmit"], { cwd: ROOT, stdio: "inherit" });
if (checked.status !== 0) {
  process.stderr.write(`build: tsc failed (${checked.status ?? checked.signal})\n`);
  process.exit(1);
}

const { bundle } = await import("./bundle.mjs");
await bundle(join(out, "src"));

const { build } = await import(vite);
await build({
  configFile: join(ROOT, "src/playground/vite.config.ts"),
  mode: "production",
  logLevel: "warn",
  build: { outDir: join(out, "playground"), emptyOutDir: true },
});

writeFileSync(stamp, `${started.toISOString()}\n`);
utimesSync(stamp, started, started);
process.stderr.write(`build: done in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s\n`);
