// Starts one MongoDB-wire test server (mongo-java-server on an H2 temp file)
// for the whole suite, unless MONGODB_URI points at a real MongoDB. A failed
// build or a missing Java fails the run: the MongoDB suites never skip.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";
import { startMongoServer } from "./mongo-server/server.js";

declare module "vitest" {
  export interface ProvidedContext {
    mongodbUri: string;
  }
}

export default async function setup(project: TestProject) {
  const external = process.env["MONGODB_URI"];
  if (external) {
    project.provide("mongodbUri", external);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), "agent-runs-mongo-"));
  const server = await startMongoServer({ file: join(dir, "test.mv") });
  project.provide("mongodbUri", server.uri);
  return async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
