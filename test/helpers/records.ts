// Store records for tests that talk to the stores directly.
import { randomUUID } from "node:crypto";
import type { RunRecord } from "../../src/domain/records.js";

/** A pending run of the demo assistant on a new thread; user JSON has '.' and '$' keys on purpose. */
export function newRun(overrides: Partial<RunRecord> = {}): RunRecord {
  const now = new Date();
  return {
    runId: randomUUID(),
    threadId: randomUUID(),
    assistantId: "demo",
    userId: "u1",
    status: "pending",
    metadata: { "a.b": { $gt: 1 }, $where: "x" },
    multitaskStrategy: "reject",
    kwargs: {
      input: { messages: [{ role: "user", content: "hi", "key.with.dots": { $ne: null } }] },
      command: null,
      config: null,
      context: null,
      streamModes: ["values"],
      interruptBefore: [],
      interruptAfter: [],
      checkpointId: null,
      streamSubgraphs: false,
      onDisconnect: "cancel",
    },
    error: null,
    createdAt: now,
    updatedAt: now,
    ownerId: null,
    leaseUntil: null,
    cancelRequested: null,
    ...overrides,
  };
}
