// Store records for tests that talk to the stores directly.
import { randomUUID } from "node:crypto";
import type { RunRecord, WebhookDelivery } from "../../src/domain/records.js";

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

/** A pending webhook delivery of a new run; its body has '.' and '$' keys on purpose. */
export function newDelivery(overrides: Partial<WebhookDelivery> = {}): WebhookDelivery {
  const runId = randomUUID();
  return {
    deliveryId: runId,
    runId,
    userId: "u1",
    url: "https://example.com/hook",
    body: '{"runId":"x","metadata":{"$where":"1","a.b":2}}',
    status: "pending",
    attempts: 0,
    // Long past, so a store's claims take these before any other due delivery.
    dueAt: new Date(Date.UTC(2000, 0, 1)),
    claim: null,
    lastError: null,
    createdAt: new Date(Date.UTC(2000, 0, 1)),
    keepUntil: null,
    ...overrides,
  };
}
