// `npm start`: the service on the embedded defaults unless told otherwise.
//
// The service itself is serve.ts, loaded only after two things that must come
// first. The compile cache (Node's own, in the OS temp dir): the compiled build
// is one bundle of some 5 MB of JavaScript (scripts/bundle.mjs), and
// compiling it on every start took 0.1-0.2 s of CPU that a cached start
// skips; it only speeds up modules loaded after it is on, hence the dynamic
// import. And the hook that hands graph files the bundle's own LangChain
// (shared-packages.ts), in place before any graph file is imported.
import { enableCompileCache } from "node:module";
import { shareBundledPackages } from "./shared-packages.js";

enableCompileCache();
shareBundledPackages(new URL("./shared/manifest.json", import.meta.url));
await import("./serve.js");
