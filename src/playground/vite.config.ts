// Builds the playground page, served under /playground/ by src/server/static.ts:
// into .cache/playground for running from source (`npm run build:playground`,
// `npm run dev`); `npm run build` (scripts/build.mjs) overrides outDir with dist/playground.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/playground/",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../../.cache/playground", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
    // No source maps: the server would not serve them (src/server/static.ts), and they hand out the source tree.
    sourcemap: false,
  },
});
