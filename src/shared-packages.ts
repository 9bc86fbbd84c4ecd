// Graph files (--graphs) import LangGraph, LangChain and zod by name. The
// compiled build bundles the service's own copies of those packages
// (scripts/bundle.mjs); left alone, Node would load a second copy from
// node_modules for a graph file, and what crosses between the two (messages,
// Command, interrupts, the checkpointer, callbacks) would meet instanceof
// checks and module-level registries of the other copy. The build exports
// every public subpath of those packages from the bundle as
// shared/<specifier>.js, listed in shared/manifest.json. This hook resolves an
// import of one there whenever Node would have resolved it to the very file of
// node_modules the bundle was built from; a graph that brings its own,
// different copy keeps it, and require() (CommonJS, which got a copy of its
// own before the bundle too) is left alone.
import { readFileSync } from "node:fs";
import { registerHooks } from "node:module";

/** Installs the hook when manifestUrl exists (the compiled build); from source (tsx) there is nothing to share. */
export function shareBundledPackages(manifestUrl: URL): boolean {
  let manifest: Record<string, string>;
  try {
    manifest = JSON.parse(readFileSync(manifestUrl, "utf8")) as Record<string, string>;
  } catch {
    return false;
  }
  const shared = new Map(Object.entries(manifest).map(([specifier, file]) => [specifier, new URL(file, manifestUrl).href]));
  /** Where the bundle's copy of each specifier came from: resolved from the bundle's own folder. */
  const origins = new Map<string, string | null>();
  registerHooks({
    resolve(specifier, context, nextResolve) {
      const resolved = nextResolve(specifier, context);
      const target = shared.get(specifier);
      if (!target || context.conditions?.includes("require")) return resolved;
      if (!origins.has(specifier)) {
        let origin: string | null = null;
        try {
          origin = nextResolve(specifier, { ...context, parentURL: manifestUrl.href }).url;
        } catch {
          // not installed beside the bundle: nothing of it is shared
        }
        origins.set(specifier, origin);
      }
      return resolved.url === origins.get(specifier) ? { url: target, format: "module", shortCircuit: true } : resolved;
    },
  });
  return true;
}
