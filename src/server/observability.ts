// Structured logs and Prometheus metrics for every RPC: a request id (taken
// from x-request-id or made up) in each log line, the caller's user id (and
// the credential's own, for a call acting for a user), and the run id in each
// line of an RPC that concerns a run; counts and latency by method and code;
// active runs, open streams and events sent; webhook attempts by outcome,
// their time from the run's end to the 2xx, and the deliveries waiting.
import { randomUUID } from "node:crypto";
import { ConnectError, type Interceptor, type StreamRequest, type UnaryRequest } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import type { Logger } from "pino";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import { callerKey, type Caller } from "../auth/caller.js";
import { runIdKey } from "../service/deps.js";
import { abandonedWith } from "./interceptors.js";

export interface Metrics {
  registry: Registry;
  eventsSent: Counter;
  /** What the webhook deliverer tells (the application's WebhookObserver, matched by shape: this layer does not import it). */
  webhooks: { attempt(outcome: "delivered" | "failed_attempt" | "given_up"): void; delivered(seconds: number): void };
}

export interface MetricSources {
  activeRuns: () => number;
  openStreams: () => number;
  /** Webhook deliveries waiting, of every replica: one bounded store count per scrape. */
  webhooksPending: () => Promise<number>;
}

export function createMetrics(sources: MetricSources): Metrics & { rpcs: Counter; latency: Histogram } {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const rpcs = new Counter({ name: "agentruns_rpc_total", help: "RPCs handled, by method and code", labelNames: ["method", "code"], registers: [registry] });
  const latency = new Histogram({
    name: "agentruns_rpc_duration_seconds",
    help: "RPC duration (whole stream for streaming RPCs), by method and code",
    labelNames: ["method", "code"],
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  new Gauge({ name: "agentruns_active_runs", help: "Runs executing on this replica", registers: [registry], collect() { this.set(sources.activeRuns()); } });
  new Gauge({ name: "agentruns_open_streams", help: "StreamRun/JoinRun streams open on this replica", registers: [registry], collect() { this.set(sources.openStreams()); } });
  const eventsSent = new Counter({ name: "agentruns_events_sent_total", help: "Run events sent to stream clients", registers: [registry] });
  return { registry, rpcs, latency, eventsSent, webhooks: webhookMetrics(registry, sources.webhooksPending) };
}

function webhookMetrics(registry: Registry, pending: MetricSources["webhooksPending"]): Metrics["webhooks"] {
  const attempts = new Counter({
    name: "agentruns_webhook_attempts_total",
    help: "Webhook attempts on this replica, by outcome: delivered (a 2xx), failed_attempt (to be retried), given_up (failed for good, once per delivery)",
    labelNames: ["outcome"],
    registers: [registry],
  });
  const latency = new Histogram({
    name: "agentruns_webhook_delivery_seconds",
    help: "From a run's end to its webhook's 2xx, retries included",
    // Up to hours: 12 attempts with backoff doubling to 10 minutes take 14 to 27 minutes.
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 1800, 3600, 7200],
    registers: [registry],
  });
  new Gauge({
    name: "agentruns_webhook_deliveries_pending",
    help: "Webhook deliveries waiting to be sent or retried, of every replica (counted up to 10000)",
    registers: [registry],
    // A store that does not answer (within --store-timeout-ms) reads NaN, unknown; the scrape still answers.
    async collect() {
      this.set(await pending().catch(() => NaN));
    },
  });
  // Every outcome's series from the start, so rate() and alerts see a 0 rather than nothing.
  for (const outcome of ["delivered", "failed_attempt", "given_up"]) attempts.inc({ outcome }, 0);
  return { attempt: (outcome) => attempts.inc({ outcome }), delivered: (seconds) => latency.observe(seconds) };
}

function codeName(error: unknown): string {
  return error instanceof ConnectError ? codeToString(error.code) : "internal";
}

/** The code of a stream its transport stopped reading: the deadline's, or canceled. */
const abandonedCode = (signal: AbortSignal): string => codeToString(abandonedWith(signal));

/** The run a request message names (GetRun, CancelRun, JoinRun, the List and feedback RPCs). */
function namedRunId(message: unknown): string | null {
  const runId = (message as { runId?: unknown } | null)?.runId;
  return typeof runId === "string" && runId ? runId : null;
}

/**
 * Notes the run a request names. Only RPCs that find their run set x-run-id,
 * and a failed call has no response header at all, so the request is where
 * the run id of GetRun, the List and feedback RPCs and of failures comes from.
 * A streaming request is tapped as the handler reads it, never read ahead.
 */
function noteRequestedRun<R extends UnaryRequest | StreamRequest>(req: R, note: (runId: string | null) => void): R {
  if (!req.stream) {
    note(namedRunId(req.message));
    return req;
  }
  const input = req.message;
  const tapped = (async function* () {
    for await (const message of input) {
      note(namedRunId(message));
      yield message;
    }
  })();
  return { ...req, message: tapped };
}

/** Who the call was for and, when a credential acted for that user, whose credential it was; nothing for a call refused before a caller was admitted. */
function userFields(caller: Caller | undefined): { user_id?: string; acting_user_id?: string } {
  if (!caller) return {};
  return caller.actingUserId === undefined ? { user_id: caller.userId } : { user_id: caller.userId, acting_user_id: caller.actingUserId };
}

export function observeInterceptor(logger: Logger, metrics: ReturnType<typeof createMetrics>): Interceptor {
  return (next) => async (req) => {
    const requestId = req.header.get("x-request-id") || randomUUID();
    req.header.set("x-request-id", requestId);
    const method = req.method.name;
    const started = performance.now();
    let requestedRunId: string | null = null;
    const request = noteRequestedRun(req, (runId) => (requestedRunId ??= runId));
    const finish = (code: string, answeredRunId: string | null, error?: unknown) => {
      const runId = answeredRunId ?? req.contextValues.get(runIdKey) ?? requestedRunId;
      const seconds = (performance.now() - started) / 1000;
      metrics.rpcs.inc({ method, code });
      metrics.latency.observe({ method, code }, seconds);
      const line = { request_id: requestId, method, code, duration_ms: Math.round(seconds * 1e4) / 10, run_id: runId ?? undefined, ...userFields(req.contextValues.get(callerKey)) };
      if (code === "ok" || code === "canceled") logger.info(line, "rpc");
      else logger.warn({ ...line, error: error instanceof ConnectError ? error.rawMessage : undefined }, "rpc failed");
    };
    let res;
    try {
      res = await next(request);
    } catch (error) {
      finish(codeName(error), null, error);
      if (error instanceof ConnectError) error.metadata.set("x-request-id", requestId);
      throw error;
    }
    res.header.set("x-request-id", requestId);
    const runId = () => res.header.get("x-run-id");
    if (!res.stream) {
      finish("ok", runId());
      return res;
    }
    const source = res.message;
    return {
      ...res,
      message: (async function* () {
        let ended = false;
        try {
          yield* source;
          ended = true;
          // A tail stops quietly when its client's signal aborts: that is the client leaving, not success.
          finish(req.signal.aborted ? abandonedCode(req.signal) : "ok", runId());
        } catch (error) {
          ended = true;
          finish(codeName(error), runId(), error);
          throw error;
        } finally {
          // Returned early: the transport stopped reading because the client
          // reset the stream or went away. Without this the call went uncounted.
          if (!ended) finish(req.signal.aborted ? abandonedCode(req.signal) : "canceled", runId());
        }
      })(),
    };
  };
}
