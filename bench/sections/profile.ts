// Section 7, the measurement: `node --cpu-prof` on a separate agent-runs server during WaitRun
// and StreamRun bursts, and the two ceilings profiled under the same load shape.
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fmt, threadCpuMs, type LoopResult } from "../lib.js";
import { summarizeProfile, type ProfileSummary } from "../profile.js";
import { JIT_WARMUP_MS, log, ROOT, S, SCRATCH } from "../harness/config.js";
import { describeLoop, loopOn, quiet } from "../harness/measure.js";
import { R, type ProfiledCeilings, type Sample } from "../harness/results.js";
import { startAgentRuns, startNodeServer, type Server } from "../harness/server.js";
import { Worker } from "../harness/worker.js";

/** StreamRun bursts in each profiled streaming window. */
export const PROFILED_BURSTS = 3;

/** The main thread's profile: CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile with thread 0 (Node 20 runs --import hooks on a second thread, which gets its own). */
function mainThreadProfile(dir: string): string | null {
  if (!existsSync(dir)) return null;
  const files = readdirSync(dir).filter((f) => /\.0\.\d+\.cpuprofile$/.test(f)).sort();
  return files.length ? join(dir, files[files.length - 1]!) : null;
}

function freshDir(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

type Window<T> = { result: T; windowUs: [number, number]; mainThreadCpuMs: number | null };

/**
 * Runs `body` inside a window marked on the server's profile clock, and reads
 * the server's main-thread CPU time over it.
 */
async function markedWindow<T>(server: Server, body: () => Promise<T>): Promise<Window<T>> {
  const start = await server.probe("mark");
  const cpu0 = threadCpuMs(server.child.pid!);
  const result = await body();
  const cpu1 = threadCpuMs(server.child.pid!);
  const end = await server.probe("mark");
  return { result, windowUs: [start.atUs, end.atUs], mainThreadCpuMs: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null };
}

/** A unary loop (WaitRun or echo) at gRPC x16 after the JIT warm-up, then PROFILED_BURSTS StreamRun bursts, each in its marked window. */
async function profiledWindows(worker: Worker, server: Server, unary: "wait" | "echo-unary", target: "agent-runs" | "echo-server"): Promise<{ unary: Window<Sample>; stream: Window<void> }> {
  const shape = unary === "wait" ? { kind: "wait" as const, url: server.url, protocol: "grpc" as const, assistantId: "echo", concurrency: 16 } : { kind: "echo-unary" as const, url: server.url, protocol: "grpc" as const, concurrency: 16 };
  await worker.run({ ...shape, warmupMs: JIT_WARMUP_MS, durationMs: 100 });
  const loop = await markedWindow(server, () => loopOn(worker, server, { ...shape, warmupMs: 0, durationMs: S.profile!.durationMs }));
  describeLoop(unary === "wait" ? "profiled WaitRun grpc x16 (--cpu-prof)" : "profiled echo unary grpc x16 (--cpu-prof)", loop.result);
  // Second window: StreamRun bursts of custom events (the echo server yields them straight from its handler).
  const burst = { kind: "stream-events" as const, url: server.url, protocol: "grpc" as const, target, count: S.burst, intervalMs: 0 };
  await worker.run({ ...burst, count: 1000 });
  const stream = await markedWindow(server, async () => {
    for (let i = 0; i < PROFILED_BURSTS; i++) await worker.run(burst);
  });
  return { unary: loop, stream };
}

/** Requests a loop completed inside a profile's window. */
function completedIn(summary: ProfileSummary, loop: LoopResult): number {
  return Math.round((loop.throughput * summary.windowMs) / 1000);
}

export async function profileRun(worker: Worker): Promise<void> {
  if (!S.profile) return;
  const dir = freshDir(join(SCRATCH, "profile"));
  const server = await startAgentRuns("agent-runs-profiled", [], ["--cpu-prof", "--cpu-prof-dir", dir]);
  try {
    const { unary: wait, stream } = await profiledWindows(worker, server, "wait", "agent-runs");
    await server.stop();
    const file = mainThreadProfile(dir);
    if (!file) throw new Error(`no .cpuprofile in ${dir} (did the server exit cleanly?)`);
    R.profile = summarizeProfile(file, wait.windowUs, 25);
    R.profile.file = relative(ROOT, file);
    (R.profile as ProfileSummary & { throughput?: number }).throughput = wait.result.throughput;
    R.profileStream = summarizeProfile(file, stream.windowUs, 15);
    R.profileStream.file = R.profile.file;
    for (const [label, pr] of [["WaitRun", R.profile], ["StreamRun burst", R.profileStream]] as const) {
      log(`   profile ${label}: ${pr.windowed ? "windowed" : "whole run"} ${fmt(pr.windowMs)} ms, busy ${fmt(pr.busyFraction * 100)}% of a core`);
      for (const row of pr.topFunctions.slice(0, 6)) log(`     ${fmt(row.selfPct)}% ${row.name} ${row.where}`);
    }
    const ceilings = await profileCeilings(worker);
    R.profileCeilings = {
      wait: { summary: R.profile, completed: completedIn(R.profile, wait.result), mainThreadCpuMs: wait.mainThreadCpuMs },
      stream: { summary: R.profileStream, completed: PROFILED_BURSTS * S.burst, mainThreadCpuMs: stream.mainThreadCpuMs },
      ...ceilings,
    };
  } finally {
    if (server.child.exitCode === null) await server.stop();
  }
}

/** The in-process graph.invoke under the profile's load shape, in a load process of its own. */
async function profiledInvoke(dir: string): Promise<LoopResult> {
  const invoker = await Worker.start(["--cpu-prof", "--cpu-prof-dir", dir]);
  try {
    await quiet();
    return await invoker.run<LoopResult>({ kind: "invoke", concurrency: 16, warmupMs: JIT_WARMUP_MS, durationMs: S.profile!.durationMs });
  } finally {
    await invoker.stop();
  }
}

/**
 * The two ceilings profiled under the WaitRun profile's load shape (gRPC, 16
 * clients, same warm-up and window): the bare echo server per unary call (and
 * its StreamRun bursts), and the in-process graph.invoke in a load process of its own.
 */
async function profileCeilings(worker: Worker): Promise<Pick<ProfiledCeilings, "echo" | "invoke" | "echoStream">> {
  const echoDir = freshDir(join(SCRATCH, "profile-echo"));
  const invokeDir = freshDir(join(SCRATCH, "profile-invoke"));
  const echo = await startNodeServer("echo-profiled", "bench/echo-server.ts", ["0"], ["--cpu-prof", "--cpu-prof-dir", echoDir]);
  let windows: Awaited<ReturnType<typeof profiledWindows>>;
  try {
    windows = await profiledWindows(worker, echo, "echo-unary", "echo-server");
    await echo.stop();
  } finally {
    if (echo.child.exitCode === null) await echo.stop();
  }
  const invokeLoop = await profiledInvoke(invokeDir);
  const echoFile = mainThreadProfile(echoDir);
  const invokeFile = mainThreadProfile(invokeDir);
  if (!echoFile || !invokeFile) throw new Error(`no .cpuprofile in ${echoFile ? invokeDir : echoDir}`);
  const { unary, stream } = windows;
  const echoSummary = summarizeProfile(echoFile, unary.windowUs, 10);
  const invokeSummary = summarizeProfile(invokeFile, invokeLoop.windowUs, 10);
  return {
    echo: { summary: echoSummary, completed: completedIn(echoSummary, unary.result), mainThreadCpuMs: unary.mainThreadCpuMs },
    invoke: { summary: invokeSummary, completed: completedIn(invokeSummary, invokeLoop), mainThreadCpuMs: invokeLoop.mainThreadCpuMs },
    echoStream: { summary: summarizeProfile(echoFile, stream.windowUs, 10), completed: PROFILED_BURSTS * S.burst, mainThreadCpuMs: stream.mainThreadCpuMs },
  };
}
