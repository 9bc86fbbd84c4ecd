// mongo-java-server for a section. Quick mode shares one server between its sections (each uses a
// database of its own): a JVM start and stop costs ~0.8 s per section, and a fresh JVM answers its
// first queries slowly. A full run gives each section a fresh server, as before.
import type { MongoServerHandle } from "../../test/mongo-server/server.js";
import { QUICK } from "./config.js";
import { children } from "./processes.js";

export interface SectionMongo {
  uri: string;
  /** Stops the server (a full run); quick mode's shared one runs until the bench exits (cleanup()). */
  release(): Promise<void>;
}

let shared: Promise<MongoServerHandle> | null = null;

async function start(): Promise<MongoServerHandle> {
  const { startMongoServer } = await import("../../test/mongo-server/server.js");
  const mongo = await startMongoServer();
  children.add(mongo.child);
  return mongo;
}

export async function sectionMongo(): Promise<SectionMongo> {
  if (QUICK) {
    const mongo = await (shared ??= start());
    return { uri: mongo.uri, release: async () => undefined };
  }
  const mongo = await start();
  return {
    uri: mongo.uri,
    release: async () => {
      await mongo.stop();
      children.delete(mongo.child);
    },
  };
}
