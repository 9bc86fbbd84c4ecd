// The benchmark: agent-runs against the LangGraph servers (JS and Python) and
// against its ceilings, in one run. Writes RESULTS.md, results.json and SVG
// figures (see bench/README.md).
//
//   npx tsx bench/run.ts            full run (~10-15 min), writes into bench/
//   npx tsx bench/run.ts --quick    smoke check (< 1 min, no anchors), writes into bench/.out/quick/
//
// Options: --quick, --skip-anchors, --reps N, --out DIR, --only a,b (sections:
// wait, echo, invoke, stream, events, list, profile, mongo, idle, finished,
// hardening, hardening-bounds, mongo-commands, rolling-restart, startup, resource-pages, webhooks, tracing, anchors; partial runs write into bench/.out/partial/ unless --out is given).
// `--only compare --before-dir DIR [--after-dir DIR] [--rounds N]` measures two
// checkouts alternately instead and writes compare.md and results.json only.
// The flags are parsed in harness/config.ts; each section's measurement and its
// part of RESULTS.md live in sections/, the report is put together in report/.
import { mkdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fmt } from "./lib.js";
import { COMPARE_ONLY, OUT, QUICK, REPS, ROUNDS, S, SCRATCH, SKIP_ANCHORS, STARTED, log, named, want } from "./harness/config.js";
import { machine, sourceVersion } from "./harness/machine.js";
import { quietStats, section } from "./harness/measure.js";
import { cleanup } from "./harness/processes.js";
import { R } from "./harness/results.js";
import { startAgentRuns, startNodeServer, type Server } from "./harness/server.js";
import { Worker } from "./harness/worker.js";
import { writeCompare, writeOutputs } from "./report/index.js";
import { runAnchors, setupAnchors } from "./sections/anchors.js";
import { echoCeiling, invokeCeiling } from "./sections/ceilings.js";
import { compareRun } from "./sections/compare.js";
import { streamEvents } from "./sections/events.js";
import { hardeningSection } from "./sections/hardening.js";
import { seedAndList } from "./sections/list.js";
import { memoryFinished, memoryIdle } from "./sections/memory.js";
import { mongoSection } from "./sections/mongo.js";
import { mongoCommandsSection } from "./sections/mongo-commands.js";
import { mongoLatencySection } from "./sections/mongo-latency.js";
import { crossReplicaSection } from "./sections/cross-replica.js";
import { rollingRestartSection } from "./sections/rolling-restart.js";
import { resourcePagesSection } from "./sections/resource-pages.js";
import { httpApiSection } from "./sections/http-api.js";
import { profileRun } from "./sections/profile.js";
import { streamTiming } from "./sections/stream.js";
import { startupSection } from "./sections/startup.js";
import { tracingSection } from "./sections/tracing.js";
import { waitMatrix } from "./sections/wait.js";
import { webhooksSection } from "./sections/webhooks.js";

/** Every section in order, each on the servers it needs; each server is stopped once its sections are done. */
async function measure(): Promise<void> {
  log(`starting servers (agent-runs x${QUICK ? 2 : 3} fresh, echo) and the load worker ...`);
  const [main, echo, idleServer, idleEcho, finishedServer, worker] = QUICK ? await quickServers() : await Promise.all([
    startAgentRuns("agent-runs"),
    startNodeServer("echo", "bench/echo-server.ts", ["0"]),
    startAgentRuns("agent-runs-idle-streams"),
    startNodeServer("echo-idle-streams", "bench/echo-server.ts", ["0"]),
    startAgentRuns("agent-runs-finished-runs"),
    Worker.start(),
  ]);
  log(`   agent-runs ${main.url} (pid ${main.pid}), echo ${echo.url}`);

  // Quick mode puts the WaitRun matrix and the HTTP API on the main server instead of fresh ones (start-ups cost seconds on 2 cores).
  if (want("wait")) await section(`WaitRun matrix (memory store, ${QUICK ? "the main server" : "fresh server per protocol and repetition"})`, () => waitMatrix(worker, QUICK ? main : null));
  if (want("echo")) await section("ceiling: bare connect-node unary echo", () => echoCeiling(worker, echo));
  if (want("invoke")) await section("ceiling: in-process graph.invoke", () => invokeCeiling(worker));
  if (want("stream")) await section("StreamRun time to first event / end", () => streamTiming(worker, main));
  if (want("events")) await section("StreamRun custom events (agent-runs and echo ceiling)", () => streamEvents(worker, main, echo));
  if (want("list")) await section("ListRunMessages on the memory store", () => seedAndList(worker, "memory", main));
  if (want("profile") && S.profile) await section("CPU profile (WaitRun gRPC x16, StreamRun burst)", () => profileRun(worker));
  if (want("mongo")) await section("MongoDB store", () => mongoSection(worker, main));
  if (want("http-api") && QUICK) await section("the LangGraph HTTP API on agent-runs (issue 18)", () => httpApiSection(worker, main));
  await main.stop();
  if (!QUICK) await echo.stop();
  if (want("idle")) await section("memory: idle open streams", () => memoryIdle(worker, idleServer, "agent-runs", S.idle));
  if (!QUICK) await idleServer.stop();
  if (want("idle")) await section("memory: idle open streams on the bare echo server", () => memoryIdle(worker, idleEcho, "echo-server", [S.idle[S.idle.length - 1]!]));
  await idleEcho.stop();
  if (want("finished")) await section("memory: finished runs", () => memoryFinished(worker, finishedServer));
  if (!QUICK) await finishedServer.stop();
  if (want("hardening") || want("hardening-bounds")) await section("hardening (issue 15): cancellation, SIGTERM, Health Watch, bounds", () => hardeningSection(QUICK ? finishedServer : undefined));
  if (QUICK) await finishedServer.stop(); // (hardening's SIGTERM may have ended it already)
  if (want("mongo-commands")) await section("MongoDB commands per run (issue 20)", async () => void (R.mongoCommands = await mongoCommandsSection()));
  if (want("mongo-commands")) await section("MongoDB round trips in series (issue 20, toxiproxy)", async () => void (R.mongoLatency = await mongoLatencySection()));
  if (want("mongo-commands")) await section("MongoDB cross-replica streams (issue 20)", async () => void (R.crossReplica = await crossReplicaSection()));
  // Two replica processes, 40 runs of 3 s, a SIGTERM and lease-keeper ticks, twice (~50 s): not in quick mode unless named.
  if (want("rolling-restart") && (!QUICK || named("rolling-restart"))) await section("rolling restart: what it costs a run (issue 20)", async () => void (await rollingRestartSection()));
  if (want("resource-pages")) await section("ListRuns and SearchThreads page time (issue 17)", async () => void (await resourcePagesSection()));
  // A fresh server and 200+ runs: longer than quick mode's budget allows, so there only when named.
  if (want("webhooks") && (!QUICK || named("webhooks"))) await section("webhook delivery latency (issue 17)", async () => void (await webhooksSection()));
  // Fresh processes only, up to four kinds of start (npm, Vite) and a build: quick mode leaves them to the full run unless named.
  if (want("startup") && (!QUICK || named("startup"))) await section("start-up: process start to the first answered WaitRun (issue 19)", async () => void (await startupSection()));
  // Jaeger and four fresh servers: past quick mode's budget, so there only when named.
  if (want("tracing") && (!QUICK || named("tracing"))) await section("OpenTelemetry tracing off and on (issue 19)", async () => void (await tracingSection(worker)));
  if (want("http-api") && !QUICK) await section("the LangGraph HTTP API on agent-runs (issue 18)", () => httpApiSection(worker));
  if (!SKIP_ANCHORS) await runAnchors(worker, anchorSetupError);
  await worker.stop();
}

/**
 * Quick mode: one fresh agent-runs server for the idle streams, the finished runs and hardening's
 * first part (cancellation, Health Watch, SIGTERM last), and the echo server for its idle streams:
 * three start-ups fewer at once on 2 cores. Returned in measure()'s order.
 */
async function quickServers(): Promise<[Server, Server, Server, Server, Server, Worker]> {
  const [main, echo, memory, worker] = await Promise.all([
    startAgentRuns("agent-runs"),
    startNodeServer("echo", "bench/echo-server.ts", ["0"]),
    startAgentRuns("agent-runs-memory"),
    Worker.start(),
  ]);
  return [main, echo, memory, echo, memory, worker];
}

/** `--only compare`: nothing but the two checkouts, on the one load process. */
async function compare(): Promise<void> {
  const worker = await Worker.start();
  await section("before / after: two checkouts, alternately", () => compareRun(worker, () => writeCompare((Date.now() - STARTED) / 1000)));
  await worker.stop();
}

let anchorSetupError: string | null = null;

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  mkdirSync(SCRATCH, { recursive: true });
  log(`agent-runs bench: ${QUICK ? "QUICK (smoke check: 1 repetition, short windows, anchors skipped)" : COMPARE_ONLY ? `before / after, ${ROUNDS} rounds` : `full, ${REPS} repetitions`}; output ${relative(process.cwd(), OUT) || "."}`);
  if (SKIP_ANCHORS) log(QUICK ? "anchors: skipped in quick mode" : "anchors: skipped (--skip-anchors)");
  if (!SKIP_ANCHORS) anchorSetupError = setupAnchors();
  R.meta = { mode: QUICK ? "quick" : "full", reps: REPS, startedAt: new Date(STARTED).toISOString(), settings: S, machine: machine(), source: sourceVersion() };

  await (COMPARE_ONLY ? compare() : measure());

  const durationSec = (Date.now() - STARTED) / 1000;
  R.meta["durationSec"] = durationSec;
  R.meta["quiet"] = quietStats;
  if (COMPARE_ONLY) {
    writeCompare(durationSec);
    log(`done in ${fmt(durationSec)} s: ${relative(process.cwd(), join(OUT, "compare.md"))}, results.json`);
  } else {
    const figures = writeOutputs(durationSec);
    log(`done in ${fmt(durationSec)} s: ${relative(process.cwd(), join(OUT, "RESULTS.md"))}, results.json, ${figures.join(", ")}`);
  }
  if (QUICK && durationSec > 60) log(`WARNING: quick mode took ${fmt(durationSec)} s (budget 60 s)`);
  if (R.errors.length) {
    log(`${R.errors.length} section(s) failed: ${R.errors.map((e) => e.section).join("; ")}`);
    // An anchor that cannot be installed or started is recorded, not fatal.
    if (R.errors.some((e) => !/anchor/i.test(e.section))) process.exitCode = 1;
  }
}

main().then(
  () => {
    cleanup();
    process.exit(process.exitCode ?? 0);
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    cleanup();
    process.exit(1);
  },
);
