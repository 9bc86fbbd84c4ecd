// What section 9's bounds part (issue 15 items 4, 12, 13: hardening-bounds.ts, hardening-fanout.ts)
// shares: its results' shape, its servers (an API-key auth config of two users, the store probe
// preloaded), authenticated clients, and the server's CPU at nanosecond resolution.
import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createClient, type Client, type Interceptor } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import { BENCH, SCRATCH } from "../harness/config.js";
import { R } from "../harness/results.js";
import { startAgentRuns, type Server } from "../harness/server.js";

export type RunsClient = Client<typeof RunsService>;

/** After each WaitRun of a big input: the server after a full GC, and what its store counts. */
export interface MemoryPoint {
  run: number;
  ok: boolean;
  rssMiB: number;
  heapUsedMiB: number;
  /** V8's external memory (ArrayBuffers: the checkpointer's serialized bytes among them). */
  externalMiB: number;
  storeMiB: number | null;
  runsKept: number | null;
  checkpointMiB: number | null;
}

export interface MemorySeries {
  boundMiB: number;
  inputBytes: number;
  startRssMiB: number;
  points: MemoryPoint[];
  error: string | null;
}

export interface TurnsSeries {
  label: string;
  maxCheckpoints: number | null;
  turnsAsked: number;
  /** Per turn: WaitRun latency and server CPU (schedstat, ns resolution). */
  ms: number[];
  cpuUs: number[];
  /** RSS after a full GC before the first turn and at each probe (turn number → MiB). */
  rss: Array<{ turn: number; rssMiB: number; storeMiB: number | null; checkpoints: number | null; checkpointMiB: number | null }>;
  stoppedBy: string | null;
}

export interface NotFoundSeries {
  kind: "another user's run" | "an id that never existed";
  ms: number[];
  /** Server CPU over each block, summed; and over each request alone (both schedstat, ns). */
  cpuNs: number;
  perCallNs: number[];
  codes: Record<string, number>;
}

export interface FanOutResult {
  joiners: number;
  eventsPerRun: number;
  completed: number;
  eventsDelivered: number;
  errors: Record<string, number>;
  wallS: number;
  serverCpuS: number;
  startRssMiB: number;
  peakRssMiB: number;
  hwmBeforeMiB: number;
  hwmAfterMiB: number;
}

export interface EnqueueResult {
  asked: number;
  created: number;
  ms: number[];
  /** Server CPU per block of `block` creates, ns. */
  blockCpuNs: number[];
  block: number;
  cancelled: number;
  cancelS: number;
  stoppedBy: string | null;
}

export interface BoundsResults {
  memory: MemorySeries[];
  turns: TurnsSeries[];
  notFound: NotFoundSeries[];
  notFoundInputBytes: number;
  fanOut: FanOutResult | null;
  enqueue: EnqueueResult | null;
  errors: string[];
}

export const B = (): BoundsResults => (R.hardeningBounds ??= { memory: [], turns: [], notFound: [], notFoundInputBytes: 0, fanOut: null, enqueue: null, errors: [] });

export const KEYS = { alice: "bench-key-alice", bob: "bench-key-bob" } as const;
export type User = keyof typeof KEYS;

const authFile = join(SCRATCH, `auth-${process.pid}.json`);

/** An agent-runs server with two API-key users (alice, bob) and the store probe preloaded (bench/store-probe.mjs). */
export function startBoundsServer(name: string, extra: string[] = []): Promise<Server> {
  writeFileSync(authFile, JSON.stringify({ api_keys: [{ key: KEYS.alice, user_id: "alice" }, { key: KEYS.bob, user_id: "bob" }] }));
  return startAgentRuns(name, ["--auth-config", authFile, ...extra], ["--import", "tsx", "--import", join(BENCH, "store-probe.mjs")]);
}

export function removeAuthFile(): void {
  rmSync(authFile, { force: true });
}

export const bearer = (key: string): Interceptor => (next) => (req) => {
  req.header.set("authorization", `Bearer ${key}`);
  return next(req);
};

/** A client of `user` on the given HTTP/2 session. */
export const sessionClient = (server: Server, user: User, sessionManager: Http2SessionManager): RunsClient =>
  createClient(RunsService, createGrpcTransport({ baseUrl: server.url, sessionManager, interceptors: [bearer(KEYS[user])] }));

/** A client of `user` on its own HTTP/2 session; `close` ends the session. */
export function clientOf(server: Server, user: User): { c: RunsClient; close: () => void } {
  const sessionManager = new Http2SessionManager(server.url);
  return { c: sessionClient(server, user, sessionManager), close: () => sessionManager.abort() };
}

/** CPU time of every thread of a process, ns (/proc/<pid>/task/<tid>/schedstat: its first field); threads that exited are not counted. */
export function cpuNs(pid: number): number {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {
      // the thread exited
    }
  }
  return total;
}

export function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer));
}

export const MiB = (bytes: number | null | undefined): number | null => (typeof bytes === "number" ? bytes / (1 << 20) : null);

export function errorCode(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown };
  return typeof e?.code === "number" ? (CODE_NAMES[e.code] ?? String(e.code)) : String(e?.message ?? error).slice(0, 80);
}

const CODE_NAMES: Record<number, string> = { 1: "CANCELED", 4: "DEADLINE_EXCEEDED", 5: "NOT_FOUND", 8: "RESOURCE_EXHAUSTED", 9: "FAILED_PRECONDITION", 13: "INTERNAL", 14: "UNAVAILABLE", 16: "UNAUTHENTICATED" };
