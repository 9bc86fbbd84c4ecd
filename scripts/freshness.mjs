// Whether a build (OUT/.built, written last by scripts/build.mjs) is newer than
// every input it was built from. Shared by build.mjs --if-stale and start.mjs.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const INPUTS = ["src", "gen", "tsconfig.json", "tsconfig.build.json", "scripts/build.mjs", "scripts/bundle.mjs", "scripts/freshness.mjs"];

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

/** OUT/.built exists and no input is newer. */
export function buildIsFresh(out) {
  const stamp = join(out, ".built");
  if (!existsSync(stamp)) return false;
  const built = statSync(stamp).mtimeMs;
  return INPUTS.every((input) => newestMtime(join(ROOT, input)) <= built);
}
