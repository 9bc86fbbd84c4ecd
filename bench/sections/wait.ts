// Section 1: WaitRun throughput and latency over each protocol, a fresh server per protocol and
// repetition; the anchors add their own series (sections/anchors.ts).
import { fmt, PROTOCOLS } from "../lib.js";
import { barChart } from "../svg.js";
import { CONCURRENCY, JIT_WARMUP_MS, QUICK, REPS, S } from "../harness/config.js";
import { figure, table } from "../harness/markdown.js";
import { describeLoop, loopOn } from "../harness/measure.js";
import { cellsOf, R, SERIES_LABEL, waitCell, type Sample } from "../harness/results.js";
import { startAgentRuns, type Server } from "../harness/server.js";
import type { Worker } from "../harness/worker.js";

/**
 * A fresh server for each (repetition, protocol): every cell then starts from the same state and
 * no server serves more than ~10k runs (so the memory store's eviction, which section 5 measures,
 * stays out of these numbers). Each server is warmed before its cells.
 */
export async function waitMatrix(worker: Worker, shared: Server | null = null): Promise<void> {
  const reps: Record<string, Record<string, Sample[]>> = {};
  // `shared`: quick mode (a smoke check, one repetition) runs the three protocols on the run's main server, three start-ups fewer.
  for (let rep = 0; rep < REPS; rep++) await waitRep(worker, rep, shared, reps);
  for (const [series, byC] of Object.entries(reps)) R.wait[series] = cellsOf(byC);
}

async function waitRep(worker: Worker, rep: number, shared: Server | null, reps: Record<string, Record<string, Sample[]>>): Promise<void> {
  for (const protocol of PROTOCOLS) {
    const server = shared ?? (await startAgentRuns(`agent-runs-wait-${rep + 1}-${protocol}`));
    try {
      await worker.run({ kind: "wait", url: server.url, protocol, assistantId: "echo", concurrency: 16, warmupMs: JIT_WARMUP_MS, durationMs: 100 });
      for (const concurrency of CONCURRENCY) {
        const r = await loopOn(worker, server, { kind: "wait", url: server.url, protocol, assistantId: "echo", concurrency, ...S.wait });
        describeLoop(`rep ${rep + 1} WaitRun ${protocol} x${concurrency}`, r);
        ((reps[`agent-runs ${protocol}`] ??= {})[concurrency] ??= []).push(r);
      }
    } finally {
      if (server !== shared) await server.stop();
    }
  }
}

export function waitFigures(): Array<[string, string]> {
  const series = Object.keys(SERIES_LABEL).filter((s) => R.wait[s]);
  const cats = CONCURRENCY.map((c) => `${c} client${c > 1 ? "s" : ""}`);
  const throughput = barChart({
    title: "WaitRun / POST /runs/wait throughput, one-node graph (median of reps)",
    yLabel: "runs per second",
    categories: cats,
    series: [
      ...series.map((s) => ({ name: SERIES_LABEL[s]!, values: CONCURRENCY.map((c) => waitCell(s, c)?.median.throughput ?? null) })),
      { name: "ceiling: in-process invoke", values: CONCURRENCY.map((c) => R.invoke[String(c)]?.median.throughput ?? null) },
      { name: "ceiling: echo unary (gRPC)", values: CONCURRENCY.map((c) => R.echoUnary["grpc"]?.[String(c)]?.median.throughput ?? null) },
    ],
    log: true,
    width: 1000,
  });
  const latency = barChart({
    title: "WaitRun / POST /runs/wait latency p50 and p99 (median of reps)",
    yLabel: "milliseconds",
    categories: cats,
    series: series.flatMap((s) => [
      { name: `${SERIES_LABEL[s]} p50`, values: CONCURRENCY.map((c) => waitCell(s, c)?.median.p50 ?? null) },
      { name: `${SERIES_LABEL[s]} p99`, values: CONCURRENCY.map((c) => waitCell(s, c)?.median.p99 ?? null) },
    ]),
    log: true,
    width: 1100,
  });
  return [
    ["wait-throughput.svg", throughput],
    ["wait-latency.svg", latency],
  ];
}

export function waitHeadline(): string[] {
  const g16 = waitCell("agent-runs grpc", 16)?.median;
  const g1 = waitCell("agent-runs grpc", 1)?.median;
  const out: string[] = [];
  if (g16) out.push(`- **WaitRun, gRPC, 16 clients: ${fmt(g16.throughput)} runs/s**, p50 ${fmt(g16.p50, 2)} ms, p99 ${fmt(g16.p99, 2)} ms (server ${fmt(g16.serverCpu, 2)} cores).`);
  if (g1) out.push(`- WaitRun, gRPC, 1 client: p50 ${fmt(g1.p50, 2)} ms, ${fmt(g1.throughput)} runs/s.`);
  return out;
}

export function waitReport(figures: string[]): string[] {
  const anchors = S.anchors ? `${S.anchors.durationMs[1]! / 1000}/${S.anchors.durationMs[16]! / 1000}/${S.anchors.durationMs[64]! / 1000} s after ${S.anchors.warmupMs / 1000} s` : "skipped";
  const rows: string[][] = [];
  for (const s of Object.keys(SERIES_LABEL)) {
    for (const c of CONCURRENCY) {
      const cell = waitCell(s, c);
      if (!cell) continue;
      const x = cell.median;
      rows.push([SERIES_LABEL[s]!, String(c), fmt(x.throughput), fmt(x.p50, 2), fmt(x.p99, 2), fmt(x.serverCpu, 2), fmt(x.clientCpu, 2), x.errors ? `${x.errors}: ${x.firstError?.slice(0, 80)}` : "0"]);
    }
  }
  return [
    `## 1. WaitRun throughput and latency (one-node graph)`,
    ``,
    `${QUICK ? "Quick mode: the run's main agent-runs server for the three protocols (warmed up before each). In a full run: " : ""}A fresh agent-runs server for each protocol and repetition (warmed up first), so that every cell starts from the same state and no server serves more than ~10k runs; what happens past that (the memory store's eviction) is in section 5. Closed loop: each client sends its next request when the previous answer arrived; one connection per client (an HTTP/2 session for gRPC, a keep-alive socket for HTTP/1.1). Window ${fmt(S.wait.durationMs / 1000)} s after ${fmt(S.wait.warmupMs / 1000)} s warm-up (anchors: ${anchors}). "server cores" is the server process's CPU time per wall second (1.0 = one core busy).`,
    ``,
    table(["series", "clients", "runs/s", "p50 ms", "p99 ms", "server cores", "load-gen cores", "errors"], rows),
    ``,
    ...figure(figures, "wait-throughput.svg", "WaitRun throughput"),
    ``,
    ...figure(figures, "wait-latency.svg", "WaitRun latency"),
    ``,
  ];
}
