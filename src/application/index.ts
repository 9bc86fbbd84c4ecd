// The application core under every protocol: the use cases for runs and
// feedback that the adapters (Connect handlers, later the HTTP API) call, and
// nothing else. Built from its dependencies by closure.
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Logger } from "pino";
import type { GraphRegistry } from "../runtime/graphs.js";
import type { Stores } from "../stores/types.js";
import { feedbackUseCases, type FeedbackUseCases } from "./feedback.js";
import type { RunsOptions } from "./runs/context.js";
import { RunsCore } from "./runs/core.js";
import { EventBus } from "./runs/event-bus.js";
import { EventCache } from "./runs/event-cache.js";
import { LiveRuns } from "./runs/live-runs.js";
import { runUseCases, type RunUseCases } from "./runs/use-cases.js";
import { threadUseCases, type ThreadUseCases } from "./threads/use-cases.js";
import { threadStateUseCases, type ThreadStateUseCases } from "./threads/state.js";
import { WebhookDeliverer, type WebhookOptions } from "./webhooks/deliverer.js";

export type { RunSpec } from "./runs/create-run.js";
export type { RunSelector } from "./runs/run-resources.js";
export type { TailItem } from "./runs/tail.js";
export type { ThreadCreate, ThreadSearch } from "./threads/use-cases.js";
export type { HistoryRequest, StateUpdate } from "./threads/state.js";
export type { WebhookObserver, WebhookOptions, WebhookOutcome } from "./webhooks/deliverer.js";
export { webhookUrlProblem } from "./webhooks/addresses.js";
export { webhookSignature } from "./webhooks/post.js";

/** The registered graphs, as request decoding needs them: which exist, and their node names. */
export interface AssistantCatalog {
  get(assistantId: string): { nodeNames: ReadonlySet<string> } | undefined;
  ids(): string[];
}

export interface ApplicationDeps {
  stores: Stores;
  graphs: GraphRegistry;
  checkpointer: BaseCheckpointSaver;
  logger: Logger;
  runs: RunsOptions;
  /** Idle time after which a stream gets a heartbeat. */
  heartbeatMs: number;
  webhooks: WebhookOptions;
}

/** What request checks need to know of the server's webhook settings. */
export interface WebhookPolicy {
  /** Whether runs may ask for a webhook: only when there is a secret to sign it with. */
  signing: boolean;
  allowPrivate: boolean;
}

export interface Application {
  runs: RunUseCases;
  feedback: FeedbackUseCases;
  /** Threads as resources: create, get, merge metadata, delete, search. */
  threads: ThreadUseCases;
  /** Threads' checkpointed state, history and messages. */
  threadState: ThreadStateUseCases;
  graphs: GraphRegistry;
  webhooks: WebhookPolicy;
  /** Runs executing on this replica. */
  activeRunCount(): number;
  /** Webhook deliveries waiting to be sent, of every replica (a bounded count: one store query). */
  pendingWebhookCount(): Promise<number>;
  /** Stops taking runs; live ones get `graceMs` to finish, then are interrupted. */
  drain(graceMs: number): Promise<void>;
}

export function createApplication(deps: ApplicationDeps): Application {
  const ctx = {
    stores: deps.stores,
    graphs: deps.graphs,
    checkpointer: deps.checkpointer,
    logger: deps.logger,
    options: deps.runs,
    bus: new EventBus(),
    cache: new EventCache(),
    live: new LiveRuns(),
    webhooks: new WebhookDeliverer(deps.stores.webhooks, deps.webhooks, deps.logger),
  };
  // Without a secret no run can ask for a webhook, so no replica polls for them.
  if (deps.webhooks.secret !== null) ctx.webhooks.start();
  const core = new RunsCore(ctx);
  const runs = runUseCases(ctx, core, deps.heartbeatMs);
  return {
    runs,
    feedback: feedbackUseCases(deps.stores, runs),
    threads: threadUseCases({ stores: deps.stores, checkpointer: deps.checkpointer }),
    threadState: threadStateUseCases({ stores: deps.stores, graphs: deps.graphs }),
    graphs: deps.graphs,
    webhooks: { signing: deps.webhooks.secret !== null, allowPrivate: deps.webhooks.allowPrivate },
    activeRunCount: () => core.activeRunCount,
    pendingWebhookCount: () => ctx.webhooks.pendingCount(),
    // Runs ending in the drain enqueue their webhooks; those are tried before the deliverer stops.
    drain: (graceMs) => core.drain(graceMs).then(() => ctx.webhooks.stop()),
  };
}
