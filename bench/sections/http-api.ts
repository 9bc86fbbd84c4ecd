// Section 15 (issue 18): agent-runs' own LangGraph-compatible HTTP API with the very client and
// requests the anchors get (the load worker's http-wait and http-stream tasks: POST /runs/wait and
// /runs/stream, stateless, on the one-node echo graph), so a team migrating from the LangGraph servers
// reads one ratio for the same call. Server CPU per run is beside every throughput: the anchors'
// latency is sleep-bound (their queue polls), ours CPU-bound, so only the CPU figure holds across VMs.
import { fmt, fmtRatio, ratio } from "../lib.js";
import { CONCURRENCY, QUICK, S } from "../harness/config.js";
import { startAgentRuns, type Server } from "../harness/server.js";
import { waitCell, R } from "../harness/results.js";
import type { Worker } from "../harness/worker.js";
import { httpStreamSeries, httpWaitSeries, type HttpPlan } from "./anchors.js";

export const HTTP_SERIES = "agent-runs http";
const QUICK_PLAN: HttpPlan = { warmupMs: 200, durationMs: { 16: 500 }, streamReps: 10 };

/** `reuse`: quick mode's main server (one start-up fewer); otherwise a fresh one. */
export async function httpApiSection(worker: Worker, reuse?: Server): Promise<void> {
  const server = reuse ?? (await startAgentRuns("agent-runs-http"));
  try {
    const target = { key: HTTP_SERIES, url: server.url, pid: server.pid };
    await httpWaitSeries(worker, target, S.anchors ?? QUICK_PLAN, QUICK ? [16] : CONCURRENCY);
    await httpStreamSeries(worker, target, S.anchors ?? QUICK_PLAN);
  } finally {
    if (!reuse) await server.stop();
  }
}

/** CPU milliseconds the server spent per run: cores busy over runs per second. */
const cpuPerRun = (cell: ReturnType<typeof waitCell>) => (cell?.median.serverCpu != null && cell.median.throughput > 0 ? (cell.median.serverCpu / cell.median.throughput) * 1000 : undefined);

export function httpApiReport(): string[] {
  const ours = waitCell(HTTP_SERIES, 16);
  if (!ours) return [];
  const lines = [
    `## 15. The LangGraph HTTP API: agent-runs next to the LangGraph servers (issue 18)`,
    ``,
    `Same load worker, same requests (POST /runs/wait and /runs/stream, stateless, echo graph), same run. "CPU/run" is the server's CPU time per run (its process group), the figure that stays put when the VM changes speed. Rerun: \`npx tsx bench/run.ts --only http-api,anchors\`.`,
    ``,
    `| server | /runs/wait x16 runs/s | p50 ms | CPU/run ms | /runs/stream first event p50 ms | end p50 ms |`,
    `|---|---:|---:|---:|---:|---:|`,
  ];
  for (const [key, name] of [[HTTP_SERIES, "agent-runs (HTTP)"], ["agent-runs grpc", "agent-runs (gRPC)"], ["js-anchor", "LangGraph JS server"], ["py-anchor", "LangGraph Python server"]] as const) {
    const cell = waitCell(key, 16);
    const timing = R.streamTiming[key]?.median;
    if (!cell && !timing) continue;
    lines.push(`| ${name} | ${fmt(cell?.median.throughput)} | ${fmt(cell?.median.p50)} | ${fmt(cpuPerRun(cell))} | ${fmt(timing?.ttfeP50)} | ${fmt(timing?.tteP50)} |`);
  }
  for (const [key, name] of [["js-anchor", "JS"], ["py-anchor", "Python"]] as const) {
    const theirs = waitCell(key, 16);
    if (!theirs) continue;
    lines.push(``, `- vs the LangGraph ${name} server on its own endpoint: **${fmtRatio(ratio(ours.median.throughput, theirs.median.throughput))}** the runs/s, **${fmtRatio(ratio(cpuPerRun(theirs), cpuPerRun(ours)))}** less server CPU per run.`);
  }
  return [...lines, ``];
}
