// Section 9: what issue 15's hardening fixes cost and bound, measured on fresh agent-runs servers:
// cancellation that stops the work (item 5: CancelRun of a streaming burst, a WaitRun whose client
// aborts, SIGTERM during a burst) and the grpc.health.v1 Watch fan-out (item 10: server CPU and
// store pings with 1,000 watchers against 1). The clients run in this (the orchestrator's) process:
// they time single calls, not load, and the servers' CPU is read from /proc.
import { randomUUID } from "node:crypto";
import { rmSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createClient, type Client } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { CancelAction, OnDisconnect, RunsService, RunStatus, StreamMode } from "../../gen/agentruns/v1/runs_pb.js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { fmt, fmtRatio, median, percentile, ratio, sleep, statFields, wallNow } from "../lib.js";
import { BENCH, log, QUICK, S, want } from "../harness/config.js";
import { table } from "../harness/markdown.js";
import { quiet } from "../harness/measure.js";
import { children, exited } from "../harness/processes.js";
import { R } from "../harness/results.js";
import { startAgentRuns, type Server } from "../harness/server.js";
import { hardeningBounds } from "./hardening-bounds.js";
import { boundsHeadline, boundsReport } from "./hardening-bounds-report.js";

type RunsClient = Client<typeof RunsService>;

/** This section waits for a quiet machine before each series at most this long (not 90 s: it has ~20 series). */
const QUIET_MS = 15_000;

export interface CancelSample {
  runId: string;
  /** CancelRun sent → the stream's `end` event. */
  cancelToEndMs: number;
  /** CancelRun sent → its answer. */
  cancelRpcMs: number;
  endStatus: string;
  /** Custom events the client had when it sent CancelRun, and those it received after. */
  receivedAtCancel: number;
  receivedAfterCancel: number;
  /** Custom events stored with the run (read back with JoinRun), and those after the last one the client had at the cancel. */
  storedParts: number;
  storedAfterCancel: number;
  /** Server CPU from the request to the end event. */
  serverCpuMs: number;
  runMs: number;
}

export interface BurstSample {
  endMs: number;
  storedParts: number;
  serverCpuMs: number;
}

export interface WaitAbortSample {
  runId: string | null;
  abortAfterMs: number;
  /** Abort → the run's update_time (when its status became INTERRUPTED, server clock, ms resolution). */
  abortToStatusMs: number;
  /** Abort → the first GetRun answering INTERRUPTED (polled once the server's log named the run). */
  abortToGetRunMs: number;
  /** Abort → the server logged the WaitRun as finished (canceled). */
  abortToLogMs: number;
  status: string;
  storedParts: number;
  serverCpuMs: number;
}

export interface SigtermSample {
  burst: boolean;
  /** SIGTERM → the process exited. */
  exitMs: number;
  /** Server CPU seconds from the signal to the last /proc reading before exit (polled every 5 ms). */
  cpuAfterSignalS: number;
  exitCode: number | null;
  /** Custom events the client had received when the signal was sent, and in all. */
  receivedAtSignal: number;
  received: number;
}

export interface WatchSample {
  store: "memory" | "mongodb";
  watchers: number;
  opened: number;
  openMs: number;
  windowS: number;
  serverCpuS: number;
  /** `ping` commands the server sent its MongoDB store during the window (command monitoring); null on the memory store. */
  pings: number | null;
}

export interface HardeningResults {
  burstEvents: number;
  cancel: CancelSample[];
  burst: BurstSample[];
  waitFull: BurstSample[];
  waitAbort: WaitAbortSample[];
  sigterm: SigtermSample[];
  watch: WatchSample[];
  errors: string[];
}

const H = (): HardeningResults => (R.hardening ??= { burstEvents: S.hardening.events, cancel: [], burst: [], waitFull: [], waitAbort: [], sigterm: [], watch: [], errors: [] });

function runsClient(url: string, sessionManager?: Http2SessionManager): RunsClient {
  return createClient(RunsService, createGrpcTransport({ baseUrl: url, sessionManager }));
}

/** The demo graph's burst: its tool node writes `custom_events` custom events synchronously. */
function burstRun(onDisconnect: OnDisconnect) {
  return {
    assistantId: "demo",
    input: { messages: [{ role: "user", content: "count these words" }] },
    context: { custom_events: S.hardening.events },
    streamMode: [StreamMode.CUSTOM],
    onDisconnect,
  };
}

function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms)))]).finally(() => clearTimeout(timer));
}

/** Custom events stored with a finished run, read back with JoinRun from the start; and those after `afterId`. */
async function storedParts(c: RunsClient, runId: string, afterId = 0n): Promise<{ parts: number; after: number }> {
  let parts = 0;
  let after = 0;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 30_000);
  try {
    for await (const res of c.joinRun({ runId }, { signal: abort.signal })) {
      if (res.payload.case !== "event") continue;
      const ev = res.payload.value;
      if (ev.kind.case === "part") {
        parts++;
        if (ev.eventId > afterId) after++;
      } else if (ev.kind.case === "end") break;
    }
  } finally {
    clearTimeout(timer);
  }
  return { parts, after };
}

/** One StreamRun of the burst; with `cancel`, CancelRun is sent as soon as its first custom event arrives. */
async function streamBurst(c: RunsClient, server: Server, cancel: boolean): Promise<CancelSample> {
  const cpu0 = server.cpuSeconds();
  const t0 = performance.now();
  let runId = "";
  let received = 0;
  let cancelAt = NaN;
  let receivedAtCancel = 0;
  let lastIdAtCancel = 0n;
  let endAt = NaN;
  let endStatus = "no end event";
  let cancelRpc: Promise<number> | null = null;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 30_000);
  try {
    for await (const res of c.streamRun({ run: burstRun(OnDisconnect.CONTINUE) }, { signal: abort.signal })) {
      if (res.payload.case !== "event") continue;
      const ev = res.payload.value;
      const kind = ev.kind;
      if (kind.case === "metadata") runId = kind.value.runId;
      else if (kind.case === "part") {
        received++;
        if (cancel && cancelRpc === null) {
          cancelAt = performance.now();
          receivedAtCancel = received;
          lastIdAtCancel = ev.eventId;
          const sent = cancelAt;
          // Handled at once: a run that ended first answers FAILED_PRECONDITION, recorded in its end status.
          cancelRpc = c.cancelRun({ runId, action: CancelAction.INTERRUPT }).then(
            () => performance.now() - sent,
            (error: unknown) => {
              endStatus += ` (CancelRun: ${error instanceof Error ? error.message.slice(0, 120) : String(error)})`;
              return NaN;
            },
          );
        }
      } else if (kind.case === "end") {
        endAt = performance.now();
        endStatus = (RunStatus[kind.value.status] ?? String(kind.value.status)) + (endStatus === "no end event" ? "" : endStatus.replace("no end event", ""));
      }
    }
  } finally {
    clearTimeout(timer);
  }
  const cpu1 = server.cpuSeconds();
  const cancelRpcMs = cancelRpc ? await within(cancelRpc, 10_000, "CancelRun") : NaN;
  const stored = await storedParts(c, runId, lastIdAtCancel);
  return {
    runId,
    cancelToEndMs: endAt - cancelAt,
    cancelRpcMs,
    endStatus,
    receivedAtCancel,
    receivedAfterCancel: received - receivedAtCancel,
    storedParts: stored.parts,
    storedAfterCancel: cancel ? stored.after : stored.parts,
    serverCpuMs: (cpu1 - cpu0) * 1000,
    runMs: endAt - t0,
  };
}

/** Each JSON log line the server writes, until the returned function is called. */
function onLogLines(server: Server, fn: (line: Record<string, unknown>) => void): () => void {
  let rest = "";
  const listener = (chunk: string) => {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop() ?? "";
    for (const text of parts) {
      if (!text.startsWith("{")) continue;
      try {
        fn(JSON.parse(text) as Record<string, unknown>);
      } catch {
        // not JSON
      }
    }
  };
  server.stdoutListeners.add(listener);
  return () => server.stdoutListeners.delete(listener);
}

/** A WaitRun of the burst, run to its end: how long it takes (to choose when to abort) and its CPU. */
async function waitFull(c: RunsClient, server: Server): Promise<BurstSample & { runId: string }> {
  const cpu0 = server.cpuSeconds();
  const t0 = performance.now();
  const res = await c.waitRun({ run: burstRun(OnDisconnect.CANCEL) }, { timeoutMs: 60_000 });
  const endMs = performance.now() - t0;
  const cpu1 = server.cpuSeconds();
  const runId = res.run?.runId ?? "";
  return { runId, endMs, serverCpuMs: (cpu1 - cpu0) * 1000, storedParts: (await storedParts(c, runId)).parts };
}

/**
 * A WaitRun (on_disconnect CANCEL) whose client aborts `abortAfterMs` after sending it. A unary
 * call's answer carries the run id only at its end, so the run is found by the request id the
 * client sent (`x-request-id`), in the line the server logs when the call ends.
 */
async function waitAbort(c: RunsClient, server: Server, abortAfterMs: number): Promise<WaitAbortSample> {
  const requestId = randomUUID();
  let logged: { runId: string; at: number } | null = null;
  const stopListening = onLogLines(server, (line) => {
    if (line["request_id"] === requestId && typeof line["run_id"] === "string") logged ??= { runId: line["run_id"], at: performance.now() };
  });
  try {
    const cpu0 = server.cpuSeconds();
    const abort = new AbortController();
    const call = c.waitRun({ run: burstRun(OnDisconnect.CANCEL) }, { signal: abort.signal, headers: { "x-request-id": requestId }, timeoutMs: 60_000 }).then(
      (res) => res.run?.status ?? null,
      () => null,
    );
    await sleep(abortAfterMs);
    const abortAt = performance.now();
    const abortWall = wallNow();
    abort.abort();
    const finishedFirst = await call; // a status if it ended before the abort
    const deadline = abortAt + 15_000;
    while (!logged && performance.now() < deadline) await sleep(2);
    const found = logged as { runId: string; at: number } | null;
    if (!found) throw new Error(`WaitRun ${requestId}: the server logged no run for it within 15 s`);
    let status = RunStatus.UNSPECIFIED;
    let statusAtMs = NaN;
    let seenAt = NaN;
    while (performance.now() < deadline) {
      const run = (await c.getRun({ runId: found.runId })).run;
      status = run?.status ?? RunStatus.UNSPECIFIED;
      if (status !== RunStatus.PENDING && status !== RunStatus.RUNNING) {
        seenAt = performance.now();
        statusAtMs = run?.updateTime ? timestampMs(run.updateTime) : NaN;
        break;
      }
      await sleep(2);
    }
    const cpu1 = server.cpuSeconds();
    return {
      runId: found.runId,
      abortAfterMs,
      abortToStatusMs: statusAtMs - abortWall,
      abortToGetRunMs: seenAt - abortAt,
      abortToLogMs: found.at - abortAt,
      status: (RunStatus[status] ?? String(status)) + (finishedFirst !== null ? " (ended before the abort)" : ""),
      storedParts: (await storedParts(c, found.runId)).parts,
      serverCpuMs: (cpu1 - cpu0) * 1000,
    };
  } finally {
    stopListening();
  }
}

function processCpuSeconds(pid: number): number | null {
  const f = statFields(pid);
  // utime 14, stime 15, cutime 16, cstime 17 (fields[0] is field 3), USER_HZ 100.
  return f ? (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100 : null;
}

/** A fresh server (or `reuse`, in quick mode) sent SIGTERM: during a burst (once the first custom event arrived) or idle. */
async function sigtermOnce(burst: boolean, reuse?: Server): Promise<SigtermSample> {
  const server = reuse ?? (await startAgentRuns(burst ? "agent-runs-sigterm-burst" : "agent-runs-sigterm-idle"));
  const sessionManager = new Http2SessionManager(server.url);
  try {
    const c = runsClient(server.url, sessionManager);
    // A first, short run so the process has loaded the graph and its paths before the signal.
    await c.waitRun({ run: { ...burstRun(OnDisconnect.CANCEL), context: { custom_events: 10 } } }, { timeoutMs: 30_000 });
    let received = 0;
    let firstPart: () => void = () => {};
    const first = new Promise<void>((r) => (firstPart = r));
    let streamDone: Promise<void> = Promise.resolve();
    if (burst) {
      streamDone = (async () => {
        try {
          for await (const res of c.streamRun({ run: burstRun(OnDisconnect.CONTINUE) }, { timeoutMs: 30_000 })) {
            if (res.payload.case === "event" && res.payload.value.kind.case === "part" && ++received === 1) firstPart();
          }
        } catch {
          // the server went away
        }
        firstPart();
      })();
      await within(first, 30_000, "first custom event");
    }
    const receivedAtSignal = received;
    const cpu0 = processCpuSeconds(server.pid)!;
    let last = cpu0;
    const t0 = performance.now();
    let exitedAt = NaN;
    const exit = exited(server.child).then(() => void (exitedAt = performance.now()));
    process.kill(server.pid, "SIGTERM");
    while (Number.isNaN(exitedAt) && performance.now() - t0 < 20_000) {
      const v = processCpuSeconds(server.pid);
      if (v !== null) last = v;
      await sleep(5);
    }
    await within(exit, 15_000, "exit after SIGTERM");
    await within(streamDone, 10_000, "stream after exit");
    return { burst, exitMs: exitedAt - t0, cpuAfterSignalS: last - cpu0, exitCode: server.child.exitCode, receivedAtSignal, received };
  } finally {
    sessionManager.abort();
    await server.stop();
  }
}

function readPings(server: Server): number | null {
  try {
    return Number(readFileSync(`${server.probeFile}.pings`, "utf8"));
  } catch {
    return null;
  }
}

/** `watchers` Health/Watch streams ("", 250 per HTTP/2 connection), held open for the window once each got its first status. */
async function watchWindow(server: Server, store: "memory" | "mongodb", watchers: number, windowMs: number): Promise<WatchSample> {
  const perConnection = 250;
  const sessions: Http2SessionManager[] = [];
  const clients: Array<Client<typeof Health>> = [];
  const abort = new AbortController();
  const done: Promise<void>[] = [];
  let opened = 0;
  const t0 = performance.now();
  const firsts: Promise<void>[] = [];
  for (let i = 0; i < watchers; i++) {
    const slot = Math.floor(i / perConnection);
    if (!clients[slot]) {
      const sessionManager = new Http2SessionManager(server.url);
      sessions.push(sessionManager);
      clients[slot] = createClient(Health, createGrpcTransport({ baseUrl: server.url, sessionManager }));
    }
    const client = clients[slot]!;
    let gotFirst: () => void = () => {};
    firsts.push(new Promise<void>((r) => (gotFirst = r)));
    done.push(
      (async () => {
        try {
          for await (const res of client.watch({ service: "" }, { signal: abort.signal })) {
            if (res.status && opened >= 0) {
              opened++;
              gotFirst();
              gotFirst = () => {};
            }
          }
        } catch {
          // aborted
        } finally {
          gotFirst();
        }
      })(),
    );
  }
  try {
    await within(Promise.all(firsts), 60_000, `${watchers} Health watchers`);
    const openMs = performance.now() - t0;
    const openedAll = opened;
    await sleep(QUICK ? 100 : 500); // let the opening settle
    const cpu0 = server.cpuSeconds();
    const p0 = readPings(server);
    const w0 = performance.now();
    await sleep(windowMs);
    const cpu1 = server.cpuSeconds();
    const p1 = readPings(server);
    const windowS = (performance.now() - w0) / 1000;
    return { store, watchers, opened: openedAll, openMs, windowS, serverCpuS: cpu1 - cpu0, pings: store === "mongodb" && p0 !== null && p1 !== null ? p1 - p0 : null };
  } finally {
    abort.abort();
    await Promise.race([Promise.allSettled(done), sleep(5000)]);
    for (const s of sessions) s.abort();
  }
}

async function watchSeries(server: Server, store: "memory" | "mongodb"): Promise<void> {
  for (const n of S.hardening.watchers) {
    await quiet(QUIET_MS);
    const w = await watchWindow(server, store, n, S.hardening.watchMs);
    H().watch.push(w);
    log(`   ${store}: ${fmt(n)} Health watchers (${w.opened} open in ${fmt(w.openMs)} ms): server ${fmt(w.serverCpuS, 3)} CPU-s over ${fmt(w.windowS, 2)} s` + (w.pings !== null ? `, ${w.pings} store pings` : ""));
  }
}

async function cancellation(server: Server): Promise<void> {
  const sessionManager = new Http2SessionManager(server.url);
  try {
    const c = runsClient(server.url, sessionManager);
    // Warm-up, unrecorded: the graph's and the service's paths compiled before anything is timed.
    for (let i = 0; i < S.hardening.warmup; i++) {
      await streamBurst(c, server, true);
      await streamBurst(c, server, false);
    }
    await quiet(QUIET_MS);
    for (let i = 0; i < S.hardening.fullRuns; i++) {
      const b = await streamBurst(c, server, false);
      H().burst.push({ endMs: b.runMs, storedParts: b.storedParts, serverCpuMs: b.serverCpuMs });
      log(`   burst ${i + 1}, not cancelled: end ${fmt(b.runMs)} ms, ${fmt(b.storedParts)} parts stored, server ${fmt(b.serverCpuMs)} CPU-ms, ${b.endStatus}`);
    }
    for (let i = 0; i < S.hardening.cancelRuns; i++) {
      const r = await streamBurst(c, server, true);
      H().cancel.push(r);
      if (i < 3 || i === S.hardening.cancelRuns - 1) {
        log(`   cancel ${i + 1}: CancelRun → end ${fmt(r.cancelToEndMs, 2)} ms (${r.endStatus}), ${fmt(r.storedParts)} parts stored (${fmt(r.storedAfterCancel)} after the cancel), server ${fmt(r.serverCpuMs)} CPU-ms`);
      }
    }
    await quiet(QUIET_MS);
    for (let i = 0; i < S.hardening.fullRuns; i++) {
      const w = await waitFull(c, server);
      H().waitFull.push(w);
      log(`   WaitRun ${i + 1}, not aborted: ${fmt(w.endMs)} ms, ${fmt(w.storedParts)} parts stored, server ${fmt(w.serverCpuMs)} CPU-ms`);
    }
    // Abort a quarter of the way through an uncancelled WaitRun of the same burst.
    const abortAfterMs = Math.max(5, Math.round(median(H().waitFull.map((w) => w.endMs)) / 4));
    for (let i = 0; i < S.hardening.cancelRuns; i++) {
      const r = await waitAbort(c, server, abortAfterMs);
      H().waitAbort.push(r);
      if (i < 3 || i === S.hardening.cancelRuns - 1) {
        log(`   WaitRun abort ${i + 1} (after ${abortAfterMs} ms): status ${fmt(r.abortToStatusMs, 2)} ms after the abort (${r.status}), GetRun ${fmt(r.abortToGetRunMs, 2)} ms, ${fmt(r.storedParts)} parts stored`);
      }
    }
  } finally {
    sessionManager.abort();
  }
}

/** `reuse`: quick mode's one server, which the (single) signal ends. */
async function sigterm(reuse?: Server): Promise<void> {
  for (let i = 0; i < S.hardening.sigtermRuns; i++) {
    for (const burst of S.hardening.sigtermIdle ? [true, false] : [true]) {
      await quiet(QUIET_MS);
      const s = await sigtermOnce(burst, reuse);
      H().sigterm.push(s);
      log(`   SIGTERM ${burst ? "during a burst" : "idle"} ${i + 1}: exit after ${fmt(s.exitMs)} ms (code ${s.exitCode}), ${fmt(s.cpuAfterSignalS, 2)} CPU-s after the signal, ${s.received} of ${S.hardening.events} events received (${s.receivedAtSignal} at the signal)`);
    }
  }
}

async function healthWatch(reuse?: Server): Promise<void> {
  const memory = reuse ?? (await startAgentRuns("agent-runs-health"));
  try {
    await watchSeries(memory, "memory");
  } finally {
    if (!reuse) await memory.stop();
  }
  if (!S.hardening.mongo) return;
  const { startMongoServer } = await import("../../test/mongo-server/server.js");
  const mongo = await startMongoServer();
  children.add(mongo.child);
  let server: Server | null = null;
  try {
    server = await startAgentRuns("agent-runs-health-mongodb", ["--mongodb-uri", mongo.uri, "--mongodb-database", "bench-health"], ["--import", join(BENCH, "mongo-pings.mjs")]);
    if (readPings(server) === null) throw new Error("the ping counter (bench/mongo-pings.mjs) did not load");
    await watchSeries(server, "mongodb");
  } catch (error) {
    H().errors.push(`Health Watch on MongoDB: ${error instanceof Error ? error.message : String(error)}`);
    throw error;
  } finally {
    if (server) {
      rmSync(`${server.probeFile}.pings`, { force: true });
      await server.stop();
    }
    await mongo.stop();
    children.delete(mongo.child);
  }
}

/** Items 5 and 10 (`--only hardening`, and full runs), then items 4, 12 and 13 (also `--only hardening-bounds` alone). */
/** `reuse`: quick mode's server for the memory sections, which the (single) SIGTERM ends. */
export async function hardeningSection(reuse?: Server): Promise<void> {
  try {
    if (want("hardening")) await cancellationAndWatch(reuse);
  } finally {
    await hardeningBounds();
  }
}

async function cancellationAndWatch(reuse?: Server): Promise<void> {
  H();
  log(`   cancellation: ${S.hardening.cancelRuns} cancelled StreamRuns and ${S.hardening.cancelRuns} aborted WaitRuns of a ${fmt(S.hardening.events)}-event burst (demo graph), against ${S.hardening.fullRuns} of each run to the end`);
  const server = reuse ?? (await startAgentRuns("agent-runs-hardening"));
  try {
    await cancellation(server);
    if (QUICK) {
      // A smoke check: one server for everything, the signal last.
      await healthWatch(server);
      await sigterm(server);
      return;
    }
  } finally {
    await server.stop();
  }
  await sigterm();
  await healthWatch();
}

// ---- report ----------------------------------------------------------------------------------

const p50 = (xs: number[]) => median(xs);
const p99 = (xs: number[]) => percentile(Float64Array.from(xs.filter(Number.isFinite)).sort(), 99);
const max = (xs: number[]) => (xs.length ? Math.max(...xs) : NaN);
const statuses = (xs: string[]) => {
  const counts = new Map<string, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].map(([k, v]) => `${v} × ${k}`).join(", ");
};

function watchOf(store: string, n: number): WatchSample | undefined {
  return R.hardening?.watch.find((w) => w.store === store && w.watchers === n);
}

export function hardeningHeadline(): string[] {
  const h = R.hardening;
  if (!h) return boundsHeadline();
  const out: string[] = [];
  const cpuCancel = p50(h.cancel.map((c) => c.serverCpuMs));
  const cpuFull = p50(h.burst.map((b) => b.serverCpuMs));
  if (h.cancel.length) {
    out.push(
      `- Cancellation stops the work (issue 15 item 5): a ${fmt(h.burstEvents)}-event StreamRun cancelled at its first event costs the server ${fmt(cpuCancel)} CPU-ms against ${fmt(cpuFull)} run to the end (${fmtRatio(ratio(cpuCancel, cpuFull))}) and stores ${fmt(p50(h.cancel.map((c) => c.storedParts)))} of its ${fmt(h.burstEvents)} events (p50); CancelRun → \`end\` p50 ${fmt(p50(h.cancel.map((c) => c.cancelToEndMs)), 2)} ms.`,
    );
  }
  const wl = h.watch.filter((w) => w.watchers === Math.max(...S.hardening.watchers));
  for (const w of wl) {
    const one = watchOf(w.store, 1);
    out.push(
      `- Health Watch (item 10), ${w.store} store: ${fmt(w.watchers)} watchers cost the server ${fmt(w.serverCpuS, 2)} CPU-s per ${fmt(w.windowS)} s (${fmtRatio(ratio(w.serverCpuS, one?.serverCpuS))} of 1 watcher's ${fmt(one?.serverCpuS, 2)})` +
        (w.pings !== null ? `, ${fmt(w.pings)} store pings (1 watcher: ${fmt(one?.pings)})` : "") +
        `.`,
    );
  }
  return [...out, ...boundsHeadline()];
}

export function hardeningReport(): string[] {
  const h = R.hardening;
  const head = [`## 9. Hardening (issue 15): cancellation that stops the work, health watchers, bounds`, ``];
  if (!h) return [...head, ...(R.hardeningBounds ? boundsReport() : [`Not measured in this run.`, ``])];
  const out = [...head];
  const n = fmt(h.burstEvents);
  out.push(
    `Fresh agent-runs servers (memory store unless stated), one call at a time from the bench's own process over gRPC. The burst is the \`demo\` assistant with \`context: { custom_events: ${n} }\` and stream mode CUSTOM: its tool node writes ${n} custom events synchronously. Server CPU is the server process's \`/proc\` CPU time over the call (10 ms resolution); ${S.hardening.warmup} cancelled and ${S.hardening.warmup} uncancelled bursts warm the server first, unrecorded. The server CPU figures and the ratios hold when the machine's speed changes; the milliseconds move with it.`,
    ``,
  );
  if (h.cancel.length) {
    const c = h.cancel;
    const w = h.waitAbort;
    const b = h.burst;
    const wf = h.waitFull;
    out.push(
      `### 9.1 Cancellation (item 5)`,
      ``,
      `StreamRun (on_disconnect CONTINUE) cancelled with CancelRun (interrupt) as soon as its first custom event arrived; then WaitRun (on_disconnect CANCEL) whose client aborts ${fmt(w[0]?.abortAfterMs)} ms after sending it (a quarter of an uncancelled WaitRun of the same burst). Stored events are read back with JoinRun from the start. A WaitRun's answer carries its run id only at its end, so the aborted run is found by the \`x-request-id\` the client sent, in the line the server logs when the call ends; "abort → INTERRUPTED" is the run's \`update_time\` (server clock, ms) minus the client's abort time (same machine).`,
      ``,
      table(
        ["figure", "p50", "p99 / max", "runs"],
        [
          [`StreamRun cancelled: server CPU-ms per run`, fmt(p50(c.map((x) => x.serverCpuMs))), `max ${fmt(max(c.map((x) => x.serverCpuMs)))}`, String(c.length)],
          [`StreamRun run to the end: server CPU-ms per run`, fmt(p50(b.map((x) => x.serverCpuMs))), `max ${fmt(max(b.map((x) => x.serverCpuMs)))}`, String(b.length)],
          [`cancelled ÷ run to the end, server CPU`, fmtRatio(ratio(p50(c.map((x) => x.serverCpuMs)), p50(b.map((x) => x.serverCpuMs)))), ``, ``],
          [`StreamRun cancelled: custom events stored (of ${n})`, fmt(p50(c.map((x) => x.storedParts))), `max ${fmt(max(c.map((x) => x.storedParts)))}`, String(c.length)],
          [`StreamRun cancelled: events stored after the last one the client had at the cancel`, fmt(p50(c.map((x) => x.storedAfterCancel))), `max ${fmt(max(c.map((x) => x.storedAfterCancel)))}`, String(c.length)],
          [`StreamRun cancelled: events the client received after sending CancelRun`, fmt(p50(c.map((x) => x.receivedAfterCancel))), `max ${fmt(max(c.map((x) => x.receivedAfterCancel)))}`, String(c.length)],
          [`StreamRun cancelled: CancelRun sent → stream's \`end\`, ms`, fmt(p50(c.map((x) => x.cancelToEndMs)), 2), `p99 ${fmt(p99(c.map((x) => x.cancelToEndMs)), 2)}`, String(c.length)],
          [`StreamRun cancelled: CancelRun sent → its answer, ms`, fmt(p50(c.map((x) => x.cancelRpcMs)), 2), `p99 ${fmt(p99(c.map((x) => x.cancelRpcMs)), 2)}`, String(c.length)],
          [`StreamRun run to the end: request → \`end\`, ms`, fmt(p50(b.map((x) => x.endMs))), `max ${fmt(max(b.map((x) => x.endMs)))}`, String(b.length)],
          [`StreamRun cancelled: end status`, statuses(c.map((x) => x.endStatus)), ``, ``],
          [`WaitRun aborted: server CPU-ms per run`, fmt(p50(w.map((x) => x.serverCpuMs))), `max ${fmt(max(w.map((x) => x.serverCpuMs)))}`, String(w.length)],
          [`WaitRun run to the end: server CPU-ms per run`, fmt(p50(wf.map((x) => x.serverCpuMs))), `max ${fmt(max(wf.map((x) => x.serverCpuMs)))}`, String(wf.length)],
          [`WaitRun aborted: custom events stored (of ${n})`, fmt(p50(w.map((x) => x.storedParts))), `max ${fmt(max(w.map((x) => x.storedParts)))}`, String(w.length)],
          [`WaitRun aborted: abort → INTERRUPTED (run's update_time), ms`, fmt(p50(w.map((x) => x.abortToStatusMs)), 2), `p99 ${fmt(p99(w.map((x) => x.abortToStatusMs)), 2)}`, String(w.length)],
          [`WaitRun aborted: abort → GetRun answers INTERRUPTED (client), ms`, fmt(p50(w.map((x) => x.abortToGetRunMs)), 2), `p99 ${fmt(p99(w.map((x) => x.abortToGetRunMs)), 2)}`, String(w.length)],
          [`WaitRun run to the end: request → answer, ms`, fmt(p50(wf.map((x) => x.endMs))), `max ${fmt(max(wf.map((x) => x.endMs)))}`, String(wf.length)],
          [`WaitRun aborted: status`, statuses(w.map((x) => x.status)), ``, ``],
        ],
      ),
      ``,
    );
  }
  if (h.sigterm.length) {
    const burst = h.sigterm.filter((s) => s.burst);
    const idle = h.sigterm.filter((s) => !s.burst);
    const rows: string[][] = [];
    for (const [label, xs] of [[`during a ${n}-event burst (signal at its first event)`, burst], [`idle (no run)`, idle]] as const) {
      if (!xs.length) continue;
      rows.push([
        label,
        fmt(p50(xs.map((x) => x.cpuAfterSignalS)), 2),
        fmt(max(xs.map((x) => x.cpuAfterSignalS)), 2),
        fmt(p50(xs.map((x) => x.exitMs))),
        fmt(max(xs.map((x) => x.exitMs))),
        statuses(xs.map((x) => String(x.exitCode))),
        xs[0]!.burst ? fmt(p50(xs.map((x) => x.received))) : "—",
        String(xs.length),
      ]);
    }
    out.push(
      `### 9.2 SIGTERM during a burst (item 5)`,
      ``,
      `A fresh server per signal (\`--drain-ms 200\`, as every server in this bench), warmed by one 10-event run, then a ${n}-event StreamRun (on_disconnect CONTINUE); SIGTERM once its first custom event arrived. CPU after the signal: the server process's \`/proc\` CPU time, polled every 5 ms until it exits, minus its value at the signal. The issue measured a 1M-event run at 94% CPU for over 72 s after the port closed; the demo's burst is now capped at ${n}.`,
      ``,
      table(["SIGTERM", "server CPU-s after the signal p50", "max", "signal → exit ms p50", "max", "exit codes", "events the client got (p50)", "runs"], rows),
      ``,
    );
  }
  if (h.watch.length) {
    const rows: string[][] = [];
    for (const w of h.watch) {
      const one = watchOf(w.store, 1);
      rows.push([
        w.store,
        fmt(w.watchers),
        fmt(w.serverCpuS, 3),
        w.watchers ? fmt(((w.serverCpuS / w.windowS) * 1e6) / w.watchers, 2) : "—",
        fmtRatio(ratio(w.serverCpuS, one?.serverCpuS)),
        w.pings === null ? "not counted" : `${fmt(w.pings)} (${fmt(w.pings / w.windowS, 2)}/s)`,
        fmt(w.windowS, 2),
        w.watchers ? `${fmt(w.opened)} in ${fmt(w.openMs)} ms` : "—",
      ]);
    }
    const mongo = h.watch.some((w) => w.store === "mongodb");
    out.push(
      `### 9.3 grpc.health.v1 Health/Watch fan-out (item 10)`,
      ``,
      `Watch streams on service "" (the whole server), 250 per HTTP/2 connection (connect-node's gRPC transport, the generated client of \`gen/grpc/health/v1/health_pb.ts\`), held open for ${fmt(S.hardening.watchMs / 1000)} s once each got its first status; server CPU over that window only (opening excluded), the same server for each count. ` +
        (mongo
          ? `On the MongoDB store (\`mongo-java-server\`, as section 6) the store's readiness calls are counted: \`bench/mongo-pings.mjs\`, preloaded into that server, turns on the driver's command monitoring and counts the \`ping\` commands it sends. The memory store's ping has nothing to count, so its rows show CPU only.`
          : `Store pings are counted only on the MongoDB store, which this run did not start; the rows show CPU only.`) +
        ` The issue measured 6.2 CPU-s per 10 s and one ping per watcher per second for 1,000 watchers before the fix.`,
      ``,
      table(["store", "watchers", "server CPU-s in the window", "server CPU µs per watcher per s", "÷ 1 watcher", "store pings in the window", "window s", "opened"], rows),
      ``,
    );
  }
  out.push(...boundsReport());
  if (h.errors.length) out.push(`Errors: ${h.errors.join("; ")}`, ``);
  return out;
}
