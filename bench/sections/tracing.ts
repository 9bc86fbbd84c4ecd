// Section 14 (issue 19): what OpenTelemetry tracing costs. WaitRun over gRPC, 16 clients, with
// tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT: no SDK loaded, no interceptor, no callbacks) and on
// (exporting OTLP/HTTP to a real Jaeger all-in-one, the one test/tracing.test.ts uses), in one run:
// a fresh server per mode and round, the two modes alternated (off first in odd rounds, on first in
// even ones) so a busy moment hits both alike. Two graphs: the one-node echo graph (3 spans per run:
// RPC, run, node) and the demo agent (7: RPC, run, 3 nodes, a tool call, a chat model call).
// Server CPU per run is the figure that holds across machines.
import { fmt, fmtRatio, median, ratio } from "../lib.js";
import { JIT_WARMUP_MS, log, QUICK, REPS, S } from "../harness/config.js";
import { describeLoop, loopOn } from "../harness/measure.js";
import { R } from "../harness/results.js";
import { startAgentRuns, type Server } from "../harness/server.js";
import type { Worker } from "../harness/worker.js";
import { startJaeger, type Jaeger } from "../../test/helpers/jaeger.js";

export type TracingMode = "off" | "on";
const MODES: TracingMode[] = ["off", "on"];
const ASSISTANTS = ["echo", "demo"] as const;
const SERVICE = "agent-runs-bench";

export interface TracingCase {
  mode: TracingMode;
  assistant: string;
  /** One per round. */
  throughput: number[];
  p50: number[];
  cpuMsPerRun: number[];
}

export interface TracingResults {
  rounds: number;
  cases: TracingCase[];
  /** Traces Jaeger returned for the service at the end (capped at its query limit): the spans did go out. */
  tracesSeen: number;
}

/** The server sees OTEL_* at spawn: set for the spawn only (startNodeServer copies process.env then). */
async function startWith(name: string, env: Record<string, string>): Promise<Server> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await startAgentRuns(name);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

async function measureMode(worker: Worker, jaeger: Jaeger, mode: TracingMode, round: number, cases: TracingCase[]): Promise<void> {
  const env: Record<string, string> = mode === "on" ? { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlpHttp, OTEL_SERVICE_NAME: SERVICE } : {};
  const server = await startWith(`agent-runs-tracing-${mode}-${round}`, env);
  try {
    for (const assistant of ASSISTANTS) {
      await worker.run({ kind: "wait", url: server.url, protocol: "grpc", assistantId: assistant, concurrency: 16, warmupMs: JIT_WARMUP_MS, durationMs: 100 });
      const r = await loopOn(worker, server, { kind: "wait", url: server.url, protocol: "grpc", assistantId: assistant, concurrency: 16, ...S.wait });
      describeLoop(`round ${round} tracing ${mode} ${assistant} WaitRun gRPC x16`, r);
      const c = cases.find((x) => x.mode === mode && x.assistant === assistant)!;
      c.throughput.push(r.throughput);
      c.p50.push(r.latency.p50);
      if (r.serverCpu !== null && r.throughput > 0) c.cpuMsPerRun.push((r.serverCpu / r.throughput) * 1000);
    }
  } finally {
    await server.stop();
  }
}

async function tracesIn(jaeger: Jaeger): Promise<number> {
  const res = await fetch(`${jaeger.queryUrl}/api/traces?service=${SERVICE}&limit=1000&lookback=1h`);
  const body = (await res.json()) as { data?: unknown[] };
  return body.data?.length ?? 0;
}

export async function tracingSection(worker: Worker): Promise<TracingResults> {
  const jaeger = await startJaeger();
  const cases: TracingCase[] = MODES.flatMap((mode) => ASSISTANTS.map((assistant) => ({ mode, assistant, throughput: [], p50: [], cpuMsPerRun: [] })));
  const rounds = QUICK ? 1 : Math.max(2, REPS);
  try {
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? MODES : [...MODES].reverse();
      for (const mode of order) await measureMode(worker, jaeger, mode, round, cases);
    }
    const tracesSeen = await tracesIn(jaeger);
    log(`   Jaeger holds ${tracesSeen >= 1000 ? "1,000+" : tracesSeen} traces of ${SERVICE}`);
    R.tracing = { rounds, cases, tracesSeen };
    return R.tracing;
  } finally {
    await jaeger.stop();
  }
}

/** Section 14 of RESULTS.md. */
export function tracingReport(results: TracingResults | null = R.tracing): string[] {
  if (!results) return [];
  const cell = (mode: TracingMode, assistant: string) => results.cases.find((c) => c.mode === mode && c.assistant === assistant)!;
  const lines = [
    `## 14. OpenTelemetry tracing: WaitRun with tracing off and on (issue 19)`,
    ``,
    `WaitRun over gRPC, 16 clients, a fresh server per mode and round, off and on alternated, ${results.rounds} round(s), medians. **off**: no \`OTEL_EXPORTER_OTLP_ENDPOINT\`, so the SDK is never imported and no interceptor or callback is installed. **on**: OTLP/HTTP to a real Jaeger all-in-one v1.76.0 on this machine (its CPU is not in the server's figure, but it shares the two cores). echo: 3 spans per run (RPC, run, node); demo: 7 (RPC, run, 3 nodes, tool, chat model). Rerun: \`npx tsx bench/run.ts --only tracing\` (Jaeger from \`test/peers/install.sh\`).`,
    ``,
    `| graph | tracing | runs/s | p50 ms | server CPU/run ms |`,
    `|---|---|---:|---:|---:|`,
  ];
  for (const assistant of ASSISTANTS) {
    for (const mode of MODES) {
      const c = cell(mode, assistant);
      lines.push(`| ${assistant} | ${mode} | ${fmt(median(c.throughput))} | ${fmt(median(c.p50), 2)} | ${fmt(median(c.cpuMsPerRun), 2)} |`);
    }
  }
  lines.push(``);
  for (const assistant of ASSISTANTS) {
    const off = cell("off", assistant);
    const on = cell("on", assistant);
    lines.push(`- ${assistant}: tracing on gives **${fmtRatio(ratio(median(on.throughput), median(off.throughput)))}** the runs/s of off, at **${fmtRatio(ratio(median(on.cpuMsPerRun), median(off.cpuMsPerRun)))}** the server CPU per run.`);
  }
  lines.push(`- Jaeger held ${results.tracesSeen >= 1000 ? "1,000+ (its query limit)" : results.tracesSeen} traces of the bench's service afterwards: the spans were exported, not dropped on the floor.`, ``);
  return lines;
}
