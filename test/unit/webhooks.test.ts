// RunCreate.webhook: the finished run POSTed as JSON to a real receiver on
// 127.0.0.1 (so these servers run with --webhook-allow-private), signed,
// retried with backoff until a 2xx or the last attempt; and the URLs refused
// before anything is stored, or at delivery when a name resolves inside.
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toJson } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { MultitaskStrategy, RunSchema, RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { BadRequestSchema, ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { webhookReceiver, type ReceivedHook, type WebhookReceiver } from "../helpers/webhook-receiver.js";
import { webhookUrlProblem } from "../../src/application/index.js";
import { MemoryWebhookStore } from "../../src/stores/memory/webhooks.js";
import { newDelivery } from "../helpers/records.js";
import { unitService, userInput, type UnitService } from "./harness.js";
import { fast, waitFor, WEBHOOK_SECRET } from "./webhook-fixture.js";

const refusal = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));

/** What a receiver does: recompute the signature over "<timestamp>.<body>" and compare in constant time. */
function signatureVerifies(hook: ReceivedHook, secret: string): boolean {
  const expected = `sha256=${createHmac("sha256", secret).update(`${hook.headers["x-agent-runs-timestamp"]}.${hook.body}`).digest("hex")}`;
  const given = String(hook.headers["x-agent-runs-signature"]);
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

describe("delivery", () => {
  let s: UnitService;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    s = await unitService({ ...fast, webhookMaxAttempts: 4 });
    receiver = await webhookReceiver();
  });
  afterAll(async () => {
    await s.close();
    await receiver.close();
  });

  it("POSTs the ended run as GetRun's JSON, signed with the secret, once", async () => {
    receiver.script = [200];
    const { run } = await s.client.createRun({ run: { assistantId: "demo", input: userInput("hook me"), webhook: receiver.url, metadata: { k: "v" } } });
    await waitFor(() => expect(receiver.received).toHaveLength(1));
    const [hook] = receiver.received.splice(0);
    const got = (await s.client.getRun({ runId: run!.runId })).run!;
    expect(got.status).toBe(RunStatus.SUCCESS);
    expect(JSON.parse(hook!.body)).toEqual(toJson(RunSchema, got));
    expect(hook!.headers["content-type"]).toBe("application/json");
    expect(hook!.headers["x-agent-runs-delivery"]).toBe(run!.runId);
    expect(Number(hook!.headers["x-agent-runs-timestamp"])).toBeGreaterThan(Date.now() / 1000 - 60);
    expect(signatureVerifies(hook!, WEBHOOK_SECRET)).toBe(true);
    expect(signatureVerifies({ ...hook!, body: hook!.body.replace("SUCCESS", "ERROR") }, WEBHOOK_SECRET)).toBe(false);
    // Delivered: out of the store, so never sent again.
    await waitFor(async () => expect(await s.app.stores.webhooks.get(run!.runId)).toBeNull());
  });

  it("retries after 500s with growing delays until a 2xx, one delivery id throughout", async () => {
    receiver.script = [500, 500, 204];
    const { run } = await s.client.createRun({ run: { assistantId: "demo", input: userInput("flaky receiver"), webhook: receiver.url } });
    await waitFor(() => expect(receiver.received).toHaveLength(3));
    await waitFor(async () => expect(await s.app.stores.webhooks.get(run!.runId)).toBeNull());
    const hooks = receiver.received.splice(0);
    expect(hooks.map((h) => h.headers["x-agent-runs-delivery"])).toEqual([run!.runId, run!.runId, run!.runId]);
    expect(hooks.map((h) => h.headers["x-agent-runs-attempt"])).toEqual(["1", "2", "3"]);
    expect(hooks.every((h) => signatureVerifies(h, WEBHOOK_SECRET))).toBe(true);
    // Jittered to [0.5, 1) of 40 ms, then of 80 ms: never sooner than that.
    expect(hooks[1]!.at - hooks[0]!.at).toBeGreaterThanOrEqual(20);
    expect(hooks[2]!.at - hooks[1]!.at).toBeGreaterThanOrEqual(40);
  });

  it("marks the delivery failed after the last attempt", async () => {
    receiver.script = [500];
    const { run } = await s.client.createRun({ run: { assistantId: "demo", input: userInput("receiver broken"), webhook: receiver.url } });
    await waitFor(async () => expect((await s.app.stores.webhooks.get(run!.runId))?.status).toBe("failed"));
    expect(await s.app.stores.webhooks.get(run!.runId)).toMatchObject({ attempts: 4, lastError: "HTTP 500", claim: null });
    expect(receiver.received.splice(0)).toHaveLength(4);
  });

  it("sends a run that failed or was cancelled too", async () => {
    receiver.script = [200];
    const failed = await s.client.createRun({ run: { assistantId: "demo", input: userInput("x"), context: { fail: "broken" }, webhook: receiver.url } });
    const slow = await s.client.createRun({ run: { assistantId: "demo", input: userInput("slow"), context: { delay_ms: 30_000 }, webhook: receiver.url } });
    await s.client.cancelRun({ runId: slow.run!.runId, wait: true });
    await waitFor(() => expect(receiver.received).toHaveLength(2));
    const statuses = receiver.received.splice(0).map((h) => [JSON.parse(h.body).runId, JSON.parse(h.body).status]);
    expect(statuses).toEqual(expect.arrayContaining([[failed.run!.runId, "RUN_STATUS_ERROR"], [slow.run!.runId, "RUN_STATUS_INTERRUPTED"]]));
  });

  it("sends a rolled-back run as it ended, though the run itself is gone", async () => {
    receiver.script = [200];
    const threadId = randomUUID();
    const slow = await s.client.createRun({ run: { assistantId: "demo", threadId, input: userInput("slow"), context: { delay_ms: 30_000 }, webhook: receiver.url } });
    await s.client.waitRun({ run: { assistantId: "demo", threadId, input: userInput("instead"), multitaskStrategy: MultitaskStrategy.ROLLBACK } });
    await waitFor(() => expect(receiver.received).toHaveLength(1));
    expect(JSON.parse(receiver.received.splice(0)[0]!.body)).toMatchObject({ runId: slow.run!.runId, threadId, status: "RUN_STATUS_INTERRUPTED" });
    expect(await s.app.stores.runs.get(slow.run!.runId)).toBeNull();
  });

  it("gives up on a receiver that never answers after --webhook-timeout-ms, and retries it", async () => {
    const patient = await unitService({ ...fast, webhookTimeoutMs: 200, webhookMaxAttempts: 2 });
    try {
      receiver.script = [0];
      const { run } = await patient.client.createRun({ run: { assistantId: "demo", input: userInput("hang up"), webhook: receiver.url } });
      await waitFor(async () => expect((await patient.app.stores.webhooks.get(run!.runId))?.status).toBe("failed"));
      expect(await patient.app.stores.webhooks.get(run!.runId)).toMatchObject({ attempts: 2, lastError: "no answer within 200 ms" });
      expect(receiver.received.splice(0)).toHaveLength(2);
    } finally {
      await patient.close();
    }
  });

  it("stores nothing for a run without a webhook", async () => {
    const { run } = await s.client.waitRun({ run: { assistantId: "demo", input: userInput("no hook") } });
    expect(await s.app.stores.webhooks.get(run!.runId)).toBeNull();
  });
});

describe("refusals", () => {
  let s: UnitService;
  beforeAll(async () => {
    s = await unitService({ webhookSecret: WEBHOOK_SECRET });
  });
  afterAll(() => s.close());

  /** Refused naming the field, with no thread and no run stored. */
  async function expectRefused(webhook: string, code = Code.InvalidArgument): Promise<ConnectError> {
    const threadId = randomUUID();
    const error = await refusal(s.client.createRun({ run: { assistantId: "demo", threadId, input: userInput("x"), webhook } }));
    expect(error?.code, webhook).toBe(code);
    expect(await s.app.stores.threads.get(threadId)).toBeNull();
    expect(await s.app.stores.runs.listByThread(threadId, ["pending", "running", "success", "error", "interrupted", "timeout"])).toEqual([]);
    return error!;
  }

  it.each([
    "ftp://example.com/hook",
    "http://127.0.0.1:8080/hook",
    "http://10.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/hook",
    "http://localhost:9000/hook",
    "http://LOCALHOST./hook",
    "http://hooks.localhost/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://0x7f.1/hook",
    "http://2130706433/hook",
    "http://192.168.1.10/hook",
    "http://172.16.0.1/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::]/hook",
    "http://[fd00::1]/hook",
    "http://[fe80::1]/hook",
    "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",
    "http://[64:ff9b::10.1.2.3]/hook",
    "https://user:secret@example.com/hook",
    "http://exa mple.com/hook",
  ])("refuses %s as INVALID_ARGUMENT naming run.webhook, storing nothing", async (webhook) => {
    const error = await expectRefused(webhook);
    expect(error.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("run.webhook");
  });

  it("takes a public address or name (the rule itself: no run is made, so nothing reaches out)", () => {
    for (const webhook of ["https://example.com/hook", "http://8.8.8.8/hook", "http://[2001:4860:4860::8888]/hook", "http://[::ffff:8.8.8.8]/hook", "http://[64:ff9b::808:808]/hook", "https://notlocalhost.example/hook"]) {
      expect(webhookUrlProblem(webhook, false), webhook).toBeNull();
    }
    expect(webhookUrlProblem("http://127.0.0.1/hook", true)).toBeNull();
    expect(webhookUrlProblem("ftp://127.0.0.1/hook", true)).toBe("must be an http or https URL");
  });

  it("refuses any webhook with FAILED_PRECONDITION when the server has no secret to sign with", async () => {
    const unsigned = await unitService({ webhookAllowPrivate: true });
    try {
      const threadId = randomUUID();
      const error = await refusal(unsigned.client.createRun({ run: { assistantId: "demo", threadId, input: userInput("x"), webhook: "https://example.com/hook" } }));
      expect(error?.code).toBe(Code.FailedPrecondition);
      expect(error?.findDetails(ErrorInfoSchema)[0]).toMatchObject({ reason: "WEBHOOK_SECRET_UNSET", metadata: { field: "run.webhook" } });
      expect(await unsigned.app.stores.threads.get(threadId)).toBeNull();
    } finally {
      await unsigned.close();
    }
  });
});

describe("names resolved at delivery", () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await webhookReceiver();
  });
  afterAll(() => receiver.close());
  // A name the test controls: it passes the check on the URL, and resolves to the receiver's loopback address.
  const resolveAll = async (hostname: string) => {
    if (hostname !== "hooks.example.test") throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" });
    return [{ address: "127.0.0.1", family: 4 }];
  };

  it("refuses a name that resolves to loopback: failed at once, never sent, never retried", async () => {
    const s = await unitService({ webhookSecret: WEBHOOK_SECRET, webhookBackoffMs: 20 }, { webhookResolveAll: resolveAll });
    try {
      const webhook = `http://hooks.example.test:${receiver.port}/hook`;
      const { run } = await s.client.createRun({ run: { assistantId: "demo", input: userInput("rebind"), webhook } });
      await waitFor(async () => expect((await s.app.stores.webhooks.get(run!.runId))?.status).toBe("failed"));
      const delivery = await s.app.stores.webhooks.get(run!.runId);
      expect(delivery).toMatchObject({ attempts: 1 });
      expect(delivery?.lastError).toContain("resolves to 127.0.0.1");
      expect(receiver.received).toHaveLength(0);
    } finally {
      await s.close();
    }
  });

  it("connects to the address it checked (allowed here): the receiver gets it by name", async () => {
    const s = await unitService(fast, { webhookResolveAll: resolveAll });
    try {
      const webhook = `http://hooks.example.test:${receiver.port}/hook`;
      const { run } = await s.client.createRun({ run: { assistantId: "demo", input: userInput("by name"), webhook } });
      await waitFor(() => expect(receiver.received).toHaveLength(1));
      expect(receiver.received[0]!.headers.host).toBe(`hooks.example.test:${receiver.port}`);
      expect(JSON.parse(receiver.received[0]!.body).runId).toBe(run!.runId);
    } finally {
      await s.close();
    }
  });
});

describe("the memory store's failed deliveries", () => {
  it("keeps the latest 1,000, dropping the oldest, so a receiver down for good cannot grow the process without bound", async () => {
    const store = new MemoryWebhookStore();
    const ids = Array.from({ length: 1_005 }, (_, i) => `d${i}`);
    for (const id of ids) {
      await store.enqueue(newDelivery({ deliveryId: id, runId: id }));
      const claimed = await store.claimDue(new Date(), "c", new Date(0));
      expect(await store.failed(claimed!.deliveryId, "c", "HTTP 500", new Date(Date.now() + 60_000))).toBe(true);
    }
    expect(await store.get("d0")).toBeNull();
    expect(await store.get("d4")).toBeNull();
    expect((await store.get("d5"))?.status).toBe("failed");
    expect((await store.get("d1004"))?.status).toBe("failed");
  });
});
