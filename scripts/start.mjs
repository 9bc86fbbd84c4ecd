// `npm start`: builds dist/ first when it is missing or older than its sources
// (scripts/build.mjs --if-stale, which also covers `npm ci --omit=dev`: no
// build tools, an existing dist/ is run as it is), then runs dist/src/main.js
// in this same process. As a `prestart` script the check cost a second Node
// start-up on every `npm start`; here it is a few hundred stat() calls.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { buildIsFresh, ROOT } from "./freshness.mjs";

const out = join(ROOT, "dist");
if (!buildIsFresh(out)) {
  const built = spawnSync(process.execPath, [join(ROOT, "scripts/build.mjs"), "--if-stale", out], { stdio: "inherit" });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
await import(new URL("../dist/src/main.js", import.meta.url).href);
