// What the run use cases share, built once by createRunsCore and handed to
// each collaborator by closure: stores, graphs, the in-process registries and
// the tuning options.
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { Logger } from "pino";
import type { GraphRegistry } from "../../runtime/graphs.js";
import type { RunRecord } from "../../domain/records.js";
import type { Stores } from "../../stores/types.js";
import type { EventBus } from "./event-bus.js";
import type { EventCache } from "./event-cache.js";
import type { LiveRuns } from "./live-runs.js";

export interface RunsOptions {
  replicaId: string;
  /** How long a replica's claim on a running run lasts without renewal. */
  leaseMs: number;
  /** Polling bounds for readers of runs executing elsewhere. */
  pollMinMs: number;
  pollMaxMs: number;
  /** 0: no limit. */
  maxActiveRunsPerUser: number;
  /** How long a run rides out a database outage before it fails. */
  storeRetryMs: number;
  /** A run's time limit when its request names none. */
  runTimeoutSeconds: number;
  /** JoinRun streams open on this replica, per run and per user; beyond: TooManyJoinersError. */
  maxJoinersPerRun: number;
  maxJoinersPerUser: number;
}

export interface RunsContext {
  stores: Stores;
  graphs: GraphRegistry;
  checkpointer: BaseCheckpointSaver;
  logger: Logger;
  options: RunsOptions;
  bus: EventBus;
  /** Stream events of the runs executing here, so local readers need no database read. */
  cache: EventCache;
  live: LiveRuns;
  /** Where a finished run's webhook is kept until sent (a no-op for runs without one). */
  webhooks: { enqueue(run: RunRecord): Promise<void> };
}
