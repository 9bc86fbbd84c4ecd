// Preload (NODE_OPTIONS=--import=...): appends every @opentelemetry module the
// process resolves to $MODULE_LOG, so a test can tell which parts of
// OpenTelemetry a service loaded.
import { appendFileSync } from "node:fs";
import { registerHooks } from "node:module";

const out = process.env["MODULE_LOG"];
registerHooks({
  resolve(specifier, context, next) {
    const resolved = next(specifier, context);
    if (out && resolved.url.includes("/@opentelemetry/")) appendFileSync(out, `${resolved.url}\n`);
    return resolved;
  },
});
