// The service as one esbuild bundle (scripts/build.mjs calls bundle(OUT/src)).
//
// Started from tsc's output, Node loaded some 1,300 ES modules (LangChain's
// alone are 550) and spent most of a second resolving, reading and compiling
// them before the first request. Bundled, main.js and a few chunks hold all of
// it. What stays outside:
//   - the MongoDB driver: loaded only with --mongodb-uri, and it require()s
//     optional native add-ons (kerberos, snappy, zstd, client-side encryption)
//     by name, which must resolve from node_modules at run time;
//   - graph files (--graphs), imported at run time from the operator's paths.
// A graph file imports LangGraph, LangChain and zod from node_modules, while
// the service's own copies are inside the bundle: two copies of one package
// (instanceof, module-level registries) is the hazard. So every public subpath
// of those packages is also exported from the bundle (OUT/shared/<specifier>.js,
// the same module instances as the service's), listed in OUT/shared/manifest.json,
// and the service resolves a graph file's imports of them there
// (src/shared-packages.ts).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** Packages a graph file shares with the service (what graphs import to build themselves). */
const SHARED = ["@langchain/core", "@langchain/langgraph", "@langchain/langgraph-checkpoint", "zod"];
const EXTERNAL = ["mongodb"];

/** A package's package.json as Node finds it from ROOT: the nearest node_modules up the tree. */
function installedPackageJson(name) {
  for (let dir = ROOT; ; dir = dirname(dir)) {
    const file = join(dir, "node_modules", name, "package.json");
    if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8"));
    if (dirname(dir) === dir) throw new Error(`${name} is not installed`);
  }
}

/** Every public, non-pattern ESM subpath of a package ("zod", "@langchain/core/messages", ...) that loads here, with its export names. */
async function publicSpecifiers(name) {
  const pkg = installedPackageJson(name);
  const keys = typeof pkg.exports === "object" && !Array.isArray(pkg.exports) && Object.keys(pkg.exports)[0]?.startsWith(".") ? Object.keys(pkg.exports) : ["."];
  const specifiers = [];
  for (const key of keys) {
    if (key.includes("*") || key === "./package.json") continue;
    const specifier = key === "." ? name : `${name}/${key.slice(2)}`;
    // A subpath whose optional peer is missing cannot be imported from node_modules either: nothing to share.
    const namespace = await import(specifier).catch(() => null);
    if (namespace) specifiers.push({ specifier, names: Object.keys(namespace) });
  }
  return specifiers;
}

/**
 * One virtual entry, shared/index.js, holding every shared specifier as a
 * namespace (s0, s1, ...). One entry rather than one per specifier: esbuild
 * splits code into a chunk per set of entries reaching it, and 90 entries cut
 * main.js into over 100 chunks, which cost start-up a tenth of a second.
 */
const sharedIndex = (shared) => ({
  name: "shared-index",
  setup(build) {
    build.onResolve({ filter: /^shared-index$/ }, () => ({ path: "shared-index", namespace: "shared-index" }));
    build.onLoad({ filter: /.*/, namespace: "shared-index" }, () => ({
      contents: shared.map((e, i) => `export * as s${i} from ${JSON.stringify(e.specifier)};`).join("\n"),
      resolveDir: ROOT,
      loader: "js",
    }));
  },
});

/** shared/<specifier>.js: the specifier's exports, taken from its namespace in shared/index.js. */
function writeSharedModules(outDir, shared) {
  const manifest = {};
  shared.forEach((e, i) => {
    const file = join(outDir, "shared", `${e.specifier}.js`);
    const index = relative(dirname(file), join(outDir, "shared", "index.js"));
    // Export names may be reserved words (zod's enum, function, null): bound as $0, $1, ... and exported by their string name.
    const lines = [`import { s${i} as ns } from ${JSON.stringify(index.startsWith(".") ? index : `./${index}`)};`];
    e.names.forEach((name, j) => lines.push(`const $${j} = ns[${JSON.stringify(name)}];`));
    lines.push(`export { ${e.names.map((name, j) => `$${j} as ${JSON.stringify(name)}`).join(", ")} };`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${lines.join("\n")}\n`);
    manifest[e.specifier] = `./${e.specifier}.js`;
  });
  writeFileSync(join(outDir, "shared", "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * protovalidate 1.3.0 compiles every CEL expression of a rules type the first
 * time a field of that type is planned (all ~60 of StringRules for one string
 * field with a max_len), although its native checks handle nearly every rule
 * the contract uses and the rest are compiled for nothing: 0.17 s of CPU on
 * the service's first request. In the bundle each of those is compiled when
 * first evaluated instead (same results, same errors, later). The text it
 * replaces is pinned: an upgrade that changes it fails the build, not the patch.
 */
const lazyStandardRules = {
  name: "protovalidate-lazy-standard-rules",
  setup(build) {
    build.onLoad({ filter: /[\\/]@bufbuild[\\/]protovalidate[\\/]dist[\\/]esm[\\/]cel\.js$/ }, (args) => {
      const source = readFileSync(args.path, "utf8");
      const eager = "compiled: this.compileRule(rule),";
      if (source.split(eager).length !== 3) throw new Error(`${args.path}: protovalidate changed; review lazyStandardRules in scripts/bundle.mjs`);
      const lazy = `
function lazyCompiledRule(manager, rule) {
  let compiled;
  const get = () => (compiled ??= manager.compileRule(rule));
  return { get kind() { return get().kind; }, get interpretable() { return get().interpretable; }, get error() { return get().error; }, get rule() { return get().rule; } };
}
`;
      return { contents: source.replaceAll(eager, "compiled: lazyCompiledRule(this, rule),") + lazy, loader: "js" };
    });
  },
};

/**
 * `import ... from "node:http"` costs 40 ms at start-up where require() costs 4:
 * Node builds the ES module facade by reading every export, and one of
 * node:http's is a getter that loads undici (fetch). In the bundle, the
 * imports of node:http and node:https go through require() instead.
 */
const BUILTINS_BY_REQUIRE = /^(?:node:)?https?$/;
const builtinsByRequire = {
  name: "builtins-by-require",
  setup(build) {
    build.onResolve({ filter: BUILTINS_BY_REQUIRE }, (args) =>
      args.kind === "import-statement" || args.kind === "dynamic-import" ? { path: args.path.replace(/^node:/, ""), namespace: "builtin-by-require" } : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "builtin-by-require" }, (args) => ({ contents: `module.exports = require("node:${args.path}");`, loader: "js" }));
  },
};

/** Bundles src/main.ts (and the shared entries) into outDir: main.js, chunk-*.js, shared/. */
export async function bundle(outDir) {
  const { build } = await import("esbuild");
  const shared = (await Promise.all(SHARED.map(publicSpecifiers))).flat();
  const entryPoints = [
    { in: join(ROOT, "src/main.ts"), out: "main" },
    { in: "shared-index", out: "shared/index" },
  ];
  await build({
    entryPoints,
    outdir: outDir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node24",
    tsconfig: join(ROOT, "tsconfig.build.json"),
    external: EXTERNAL,
    plugins: [sharedIndex(shared), lazyStandardRules, builtinsByRequire],
    sourcemap: "linked",
    // Bundled CommonJS (protobufjs, prom-client, ...) calls require() for Node's built-ins.
    banner: { js: `import { createRequire as __bundleRequire } from "node:module"; const require = __bundleRequire(import.meta.url);` },
    logLevel: "warning",
    legalComments: "none",
  });
  writeSharedModules(outDir, shared);
  return { entries: entryPoints.length, outDir: relative(ROOT, outDir) };
}
