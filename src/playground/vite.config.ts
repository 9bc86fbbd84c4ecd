// Builds the playground page into .cache/playground, served under /playground/
// by src/server/static.ts. `npx vite build --config src/playground/vite.config.ts`
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
    sourcemap: true,
  },
});
