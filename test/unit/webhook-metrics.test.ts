// What operators see of webhook deliveries: the Prometheus counters by
// outcome, the run-end-to-2xx histogram and the gauge of deliveries waiting
// (read from the registry /metrics serves); and how long a delivery that
// failed for good is kept (--webhook-keep-failed-s) before the store drops it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookReceiver, type WebhookReceiver } from "../helpers/webhook-receiver.js";
import { MemoryWebhookStore } from "../../src/stores/memory/webhooks.js";
import { newDelivery } from "../helpers/records.js";
import { unitService, userInput, type UnitService } from "./harness.js";
import { fast, waitFor } from "./webhook-fixture.js";


/** agentruns_webhook_attempts_total by outcome. */
async function attempts(s: UnitService): Promise<Record<string, number>> {
  const metric = await s.app.metrics.getSingleMetric("agentruns_webhook_attempts_total")!.get();
  return Object.fromEntries(metric.values.map((v) => [String(v.labels["outcome"]), v.value]));
}

/** One series' value of a histogram or gauge (e.g. agentruns_webhook_delivery_seconds_count). */
async function value(s: UnitService, metric: string, series = metric): Promise<number | undefined> {
  const got = await s.app.metrics.getSingleMetric(metric)!.get();
  return got.values.find((v) => ((v as { metricName?: string }).metricName ?? metric) === series)?.value;
}

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await webhookReceiver();
});
afterAll(() => receiver.close());

describe("webhook metrics", () => {
  let s: UnitService;
  beforeAll(async () => {
    s = await unitService({ ...fast, webhookMaxAttempts: 3 });
  });
  afterAll(() => s.close());

  it("starts every outcome at 0, and nothing waiting", async () => {
    expect(await attempts(s)).toEqual({ delivered: 0, failed_attempt: 0, given_up: 0 });
    expect(await value(s, "agentruns_webhook_deliveries_pending")).toBe(0);
    expect(await s.app.metrics.metrics()).toContain('agentruns_webhook_attempts_total{outcome="delivered"} 0');
  });

  it("counts a delivered webhook, and its time from the run's end to the 2xx", async () => {
    receiver.script = [200];
    const { run } = await s.client.createRun({ run: { assistantId: "demo", input: userInput("count me"), webhook: receiver.url } });
    await waitFor(async () => expect(await attempts(s)).toEqual({ delivered: 1, failed_attempt: 0, given_up: 0 }));
    expect(receiver.received.splice(0).map((hook) => hook.headers["x-agent-runs-delivery"])).toEqual([run!.runId]);
    await waitFor(async () => expect(await s.app.stores.webhooks.get(run!.runId)).toBeNull());
    expect(await value(s, "agentruns_webhook_delivery_seconds", "agentruns_webhook_delivery_seconds_count")).toBe(1);
    expect(await value(s, "agentruns_webhook_deliveries_pending")).toBe(0);
  });

  it("counts a receiver answering 500 as failed attempts, then one given up when the attempts run out", async () => {
    receiver.script = [500];
    const before = await attempts(s);
    const { run } = await s.client.createRun({ run: { assistantId: "demo", input: userInput("refuse me"), webhook: receiver.url } });
    await waitFor(async () => expect((await s.app.stores.webhooks.get(run!.runId))?.status).toBe("failed"));
    expect(receiver.received.splice(0)).toHaveLength(3);
    const after = await attempts(s);
    expect({ failed_attempt: after["failed_attempt"]! - before["failed_attempt"]!, given_up: after["given_up"]! - before["given_up"]! }).toEqual({ failed_attempt: 2, given_up: 1 });
    expect(after["delivered"]).toBe(before["delivered"]);
    // Given up: no longer waiting; no 2xx, so the histogram did not move.
    expect(await value(s, "agentruns_webhook_deliveries_pending")).toBe(0);
    expect(await value(s, "agentruns_webhook_delivery_seconds", "agentruns_webhook_delivery_seconds_count")).toBe(1);
  });

  it("counts a delivery waiting for its retry as pending", async () => {
    // Retries a minute off: the delivery waits in the store while this looks.
    const patient = await unitService({ ...fast, webhookBackoffMs: 60_000 });
    try {
      receiver.script = [500];
      const { run } = await patient.client.createRun({ run: { assistantId: "demo", input: userInput("wait"), webhook: receiver.url } });
      await waitFor(async () => expect((await patient.app.stores.webhooks.get(run!.runId))?.lastError).toBe("HTTP 500"));
      expect(await value(patient, "agentruns_webhook_deliveries_pending")).toBe(1);
      expect(await attempts(patient)).toEqual({ delivered: 0, failed_attempt: 1, given_up: 0 });
      expect(await patient.app.metrics.metrics()).toContain("agentruns_webhook_deliveries_pending 1");
    } finally {
      receiver.received.splice(0);
      await patient.close();
    }
  });
});

describe("retention of deliveries given up", () => {
  it("keeps one --webhook-keep-failed-s (7 days by default) from when it was given up", async () => {
    const s = await unitService({ ...fast, webhookMaxAttempts: 1 });
    try {
      receiver.script = [500];
      const { run } = await s.client.createRun({ run: { assistantId: "demo", input: userInput("keep me"), webhook: receiver.url } });
      await waitFor(async () => expect((await s.app.stores.webhooks.get(run!.runId))?.status).toBe("failed"));
      const delivery = (await s.app.stores.webhooks.get(run!.runId))!;
      const keptMs = delivery.keepUntil!.getTime() - delivery.createdAt.getTime();
      expect(keptMs).toBeGreaterThanOrEqual(7 * 86_400_000);
      expect(keptMs).toBeLessThan(7 * 86_400_000 + 60_000);
    } finally {
      receiver.received.splice(0);
      await s.close();
    }
  });

  it("drops it once that time is over", async () => {
    const s = await unitService({ ...fast, webhookMaxAttempts: 1, webhookKeepFailedS: 1 });
    try {
      receiver.script = [500];
      const { run } = await s.client.createRun({ run: { assistantId: "demo", input: userInput("forget me"), webhook: receiver.url } });
      await waitFor(async () => expect((await s.app.stores.webhooks.get(run!.runId))?.status).toBe("failed"));
      const delivery = (await s.app.stores.webhooks.get(run!.runId))!;
      expect(delivery.keepUntil!.getTime() - delivery.createdAt.getTime()).toBeGreaterThanOrEqual(1_000);
      await waitFor(async () => expect(await s.app.stores.webhooks.get(run!.runId)).toBeNull());
    } finally {
      receiver.received.splice(0);
      await s.close();
    }
  });

  it("memory store: frees a delivery past its keepUntil, not just hides it (its id can be stored again)", async () => {
    const store = new MemoryWebhookStore();
    const d = newDelivery({ deliveryId: "d", runId: "d" });
    await store.enqueue(d);
    await store.claimDue(new Date(), "c", new Date(0));
    expect(await store.failed("d", "c", "HTTP 500", new Date(Date.now() + 60_000))).toBe(true);
    expect(await store.enqueue(d)).toBe(false);
    const e = { ...d, deliveryId: "e", runId: "e" };
    await store.enqueue(e);
    await store.claimDue(new Date(), "c", new Date(0));
    expect(await store.failed("e", "c", "HTTP 500", new Date(Date.now() - 1))).toBe(true);
    expect(await store.enqueue(e)).toBe(true);
    expect((await store.get("d"))?.status).toBe("failed");
  });
});
