#!/usr/bin/env node
// `npm run build`: the service compiled for plain Node, no TypeScript loader.
//   OUT/src/, OUT/gen/  tsc -p tsconfig.build.json (src/ imports ../gen/, so both)
//   OUT/playground/     the playground page, built by Vite (src/playground/vite.config.ts)
//   OUT/.built          written last; its mtime is when the build started
//
//   node scripts/build.mjs [--if-stale] [OUT]     OUT defaults to dist/
//
// --if-stale (npm's prestart): does nothing when OUT/.built is newer than every
// input (src/, gen/, the tsconfigs, this file); when the build tools are not
// installed (`npm ci --omit=dev`) it keeps an existing build and fails only if
// there is none. Plain JavaScript so that it runs without tsx.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const INPUTS = ["src", "gen", "tsconfig.json", "tsconfig.build.json", "scripts/build.mjs"];

const args = process.argv.slice(2);
const ifStale = args.includes("--if-stale");
const out = resolve(ROOT, args.find((arg) => !arg.startsWith("--")) ?? "dist");
const stamp = join(out, ".built");

function newestMtime(path) {
  let info;
  try {
    info = statSync(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** The file URL of an installed package's module, or null when it is not installed. */
function resolveTool(specifier) {
  try {
    return import.meta.resolve(specifier);
  } catch {
    return null;
  }
}

if (ifStale && existsSync(stamp)) {
  const built = statSync(stamp).mtimeMs;
  if (INPUTS.every((input) => newestMtime(join(ROOT, input)) <= built)) process.exit(0);
}

const tsc = resolveTool("typescript/bin/tsc");
const vite = resolveTool("vite");
if (!tsc || !vite) {
  const built = existsSync(join(out, "src", "main.js"));
  if (ifStale && built) {
    process.stderr.write(`build: typescript/vite not installed (npm ci --omit=dev?): running the existing ${out}\n`);
    process.exit(0);
  }
  process.stderr.write(`build: ${built ? "" : `no build in ${out}, and `}typescript and vite (devDependencies) are not installed: run npm install, then npm run build\n`);
  process.exit(1);
}

const started = new Date();
process.stderr.write(`build: compiling src/ and gen/ into ${out}\n`);
for (const part of ["src", "gen", "playground", ".built"]) rmSync(join(out, part), { recursive: true, force: true });

const compiled = spawnSync(process.execPath, [fileURLToPath(tsc), "-p", join(ROOT, "tsconfig.build.json"), "--outDir", out], { cwd: ROOT, stdio: "inherit" });
if (compiled.status !== 0) {
  process.stderr.write(`build: tsc failed (${compiled.status ?? compiled.signal})\n`);
  process.exit(1);
}

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
