// Webhooks on the MongoDB store outlive the replica that enqueued them: a run
// ends while its receiver is down, that server stops, two new replicas start
// on the same database, the receiver comes up, and it gets the run exactly
// once (the delivery is then gone from the store, so nothing can send it again).
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it, vi } from "vitest";
import { RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { startTestServer, userInput, type TestServer } from "./helpers/server.js";
import { webhookReceiver, type WebhookReceiver } from "./helpers/webhook-receiver.js";

const database = `hooks_${randomUUID().slice(0, 8)}`;
const config = {
  store: "mongodb" as const,
  mongodbUri: inject("mongodbUri"),
  mongodbDatabase: database,
  webhookSecret: "restart-secret",
  webhookAllowPrivate: true,
  webhookBackoffMs: 100,
};
const servers: TestServer[] = [];
let receiver: WebhookReceiver | null = null;
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await receiver?.close();
});
const waitFor = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 20_000, interval: 20 });

describe("webhook delivery across a restart (MongoDB)", () => {
  it("is sent once by a later replica after the one that enqueued it stopped with its receiver down", async () => {
    // A port nobody listens on until the receiver comes up on it.
    const probe = await webhookReceiver();
    const { port, url } = probe;
    await probe.close();

    const first = await startTestServer(config);
    const { run } = await first.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("while the receiver is down"), webhook: url } });
    expect(run?.status).toBe(RunStatus.SUCCESS);
    const stores = first.server.app.stores;
    await waitFor(async () => expect((await stores.webhooks.get(run!.runId))?.lastError).toBeTruthy());
    await first.stop();

    // Two replicas on the database now; the delivery is still there for them, then the receiver comes back on its port.
    servers.push(await startTestServer(config), await startTestServer(config));
    const after = servers[0]!.server.app.stores;
    const left = await after.webhooks.get(run!.runId);
    expect(left).toMatchObject({ status: "pending", url });
    receiver = await webhookReceiver([200], port);
    await waitFor(() => expect(receiver!.received.length).toBeGreaterThanOrEqual(1));
    await waitFor(async () => expect(await after.webhooks.get(run!.runId)).toBeNull());
    expect(receiver.received).toHaveLength(1);
    const body = JSON.parse(receiver.received[0]!.body);
    expect(body).toMatchObject({ runId: run!.runId, status: "RUN_STATUS_SUCCESS" });
    // Not the first attempt: those went to the closed port before the restart.
    expect(Number(receiver.received[0]!.headers["x-agent-runs-attempt"])).toBeGreaterThan(1);
  });
});
