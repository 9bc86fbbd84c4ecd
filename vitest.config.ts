import { defineConfig } from "vitest/config";

// Two tiers. unit: the application, stores and validation through connect's
// createRouterTransport on the memory store, with no sockets and no peers
// (`npm run test:unit`, seconds). integration: real servers, protocols,
// processes and peers, with the MongoDB-wire test server (`npm test` runs both).
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      { extends: true, test: { name: "unit", include: ["test/unit/**/*.test.ts"] } },
      {
        extends: true,
        test: { name: "integration", include: ["test/**/*.test.ts"], exclude: ["test/unit/**"], globalSetup: ["test/global-setup.ts"] },
      },
    ],
  },
});
