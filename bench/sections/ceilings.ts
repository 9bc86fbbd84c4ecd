// Section 2: the ceilings (bare echo unary on the same server stack, in-process graph.invoke),
// agent-runs' ratios to them and to the anchors, and what one run costs in CPU.
import { fmt, fmtRatio, PROTOCOL_LABEL, PROTOCOLS, ratio, type Protocol } from "../lib.js";
import { CONCURRENCY, JIT_WARMUP_MS, QUICK, REPS, S } from "../harness/config.js";
import { table } from "../harness/markdown.js";
import { describeLoop, loopOn } from "../harness/measure.js";
import { cellsOf, R, waitCell, type Sample } from "../harness/results.js";
import type { Server } from "../harness/server.js";
import type { Worker } from "../harness/worker.js";

export async function echoCeiling(worker: Worker, echo: Server): Promise<void> {
  const reps: Record<string, Record<string, Sample[]>> = {};
  // The three protocols through the project's listen(), plus gRPC on a plain node:http2 server.
  const variants: Array<{ key: string; protocol: Protocol; url: string }> = PROTOCOLS.map((protocol) => ({ key: protocol, protocol, url: echo.url }));
  if (echo.plainH2Url) variants.push({ key: "grpc-plain-h2", protocol: "grpc", url: echo.plainH2Url });
  for (const v of variants) await worker.run({ kind: "echo-unary", url: v.url, protocol: v.protocol, concurrency: 16, warmupMs: QUICK ? 100 : 500, durationMs: 100 });
  for (let rep = 0; rep < REPS; rep++) {
    for (const v of variants) {
      for (const concurrency of S.echo.concurrency) {
        const r = await loopOn(worker, echo, { kind: "echo-unary", url: v.url, protocol: v.protocol, concurrency, warmupMs: S.echo.warmupMs, durationMs: S.echo.durationMs });
        describeLoop(`rep ${rep + 1} echo unary ${v.key} x${concurrency}`, r);
        ((reps[v.key] ??= {})[concurrency] ??= []).push(r);
      }
    }
  }
  for (const [protocol, byC] of Object.entries(reps)) R.echoUnary[protocol] = cellsOf(byC);
}

export async function invokeCeiling(worker: Worker): Promise<void> {
  const reps: Record<string, Sample[]> = {};
  await worker.run({ kind: "invoke", concurrency: 16, warmupMs: JIT_WARMUP_MS, durationMs: 100 });
  for (let rep = 0; rep < REPS; rep++) {
    for (const concurrency of S.invoke.concurrency) {
      const r = await loopOn(worker, null, { kind: "invoke", concurrency, warmupMs: S.invoke.warmupMs, durationMs: S.invoke.durationMs });
      describeLoop(`rep ${rep + 1} in-process invoke x${concurrency}`, r);
      (reps[concurrency] ??= []).push(r);
    }
  }
  R.invoke = cellsOf(reps);
}

export function ceilingsHeadline(): string[] {
  const g16 = waitCell("agent-runs grpc", 16)?.median;
  const inv16 = R.invoke["16"]?.median;
  const echo16 = R.echoUnary["grpc"]?.["16"]?.median;
  const out: string[] = [];
  if (g16 && inv16) out.push(`- vs the in-process \`graph.invoke\` ceiling (MemorySaver, 16 concurrent): ${fmt(inv16.throughput)} invokes/s → agent-runs reaches **${fmtRatio(ratio(g16.throughput, inv16.throughput))}** of it.`);
  if (g16 && echo16) out.push(`- vs the bare connect-node unary echo on the same server stack (gRPC, 16 clients): ${fmt(echo16.throughput)} calls/s → WaitRun is **${fmtRatio(ratio(echo16.throughput, g16.throughput))}** slower than an RPC that does nothing.`);
  return out;
}

function ceilingRows(): string[][] {
  const rows: string[][] = [];
  for (const c of S.invoke.concurrency) {
    const x = R.invoke[String(c)]?.median;
    if (x) rows.push([`in-process graph.invoke (MemorySaver)`, String(c), fmt(x.throughput), fmt(x.p50, 3), fmt(x.p99, 3), "—"]);
  }
  for (const key of [...PROTOCOLS, "grpc-plain-h2"]) {
    for (const c of S.echo.concurrency) {
      const x = R.echoUnary[key]?.[String(c)]?.median;
      const label = key === "grpc-plain-h2" ? "gRPC (h2c) on a plain node:http2 server, no sniffing" : PROTOCOL_LABEL[key as Protocol];
      if (x) rows.push([`echo unary, ${label}`, String(c), fmt(x.throughput), fmt(x.p50, 3), fmt(x.p99, 3), fmt(x.serverCpu, 2)]);
    }
  }
  return rows;
}

function ratioRows(): string[][] {
  const rows: string[][] = [];
  for (const protocol of PROTOCOLS) {
    for (const c of CONCURRENCY) {
      const ar = waitCell(`agent-runs ${protocol}`, c)?.median;
      if (!ar) continue;
      const inv = R.invoke[String(c)]?.median;
      const echo = R.echoUnary[protocol]?.[String(c)]?.median;
      rows.push([
        `${PROTOCOL_LABEL[protocol]} x${c}`,
        fmtRatio(ratio(ar.throughput, inv?.throughput)),
        fmtRatio(ratio(ar.throughput, echo?.throughput)),
        fmtRatio(ratio(ar.throughput, waitCell("js-anchor", c)?.median.throughput)),
        fmtRatio(ratio(ar.throughput, waitCell("py-anchor", c)?.median.throughput)),
        fmtRatio(ratio(waitCell("js-anchor", c)?.median.p50, ar.p50)),
        fmtRatio(ratio(waitCell("py-anchor", c)?.median.p50, ar.p50)),
      ]);
    }
  }
  return rows;
}

/** CPU ms per request from a cell's cores and throughput. */
function cpuMsPer(cores: number | null | undefined, throughput: number | null | undefined): number | null {
  if (cores === null || cores === undefined || !throughput) return null;
  return (cores / throughput) * 1000;
}

function runCostRows(): string[][] {
  const rows: string[][] = [];
  for (const protocol of PROTOCOLS) {
    for (const c of CONCURRENCY) {
      const ar = waitCell(`agent-runs ${protocol}`, c)?.median;
      const echo = R.echoUnary[protocol]?.[String(c)]?.median;
      const inv = R.invoke[String(c)]?.median;
      if (!ar || !echo || !inv) continue;
      const a = cpuMsPer(ar.serverCpu, ar.throughput);
      const e = cpuMsPer(echo.serverCpu, echo.throughput);
      const i = cpuMsPer(inv.clientCpu, inv.throughput);
      const added = a !== null && e !== null && i !== null ? a - e - i : null;
      const best = e !== null && i !== null ? i / (e + i) : null;
      rows.push([`${PROTOCOL_LABEL[protocol]} x${c}`, fmt(a, 3), fmt(e, 3), fmt(i, 3), fmt(added, 3), fmtRatio(best), fmtRatio(ratio(ar.throughput, inv.throughput))]);
    }
  }
  return rows;
}

function sniffLines(): string[] {
  const sniff = CONCURRENCY.map((c) => ratio(R.echoUnary["grpc-plain-h2"]?.[String(c)]?.median.throughput, R.echoUnary["grpc"]?.[String(c)]?.median.throughput));
  if (!sniff.some((r) => r !== null)) return [];
  return [
    `The gRPC echo on a plain \`node:http2\` server vs the same handlers behind \`src/server/listen.ts\` (which sniffs the first bytes of each connection to choose HTTP/2 or HTTP/1.1, then hands the socket over) plus \`src/server/http.ts\` (CORS, health routes, grpc-message re-encoding): ${CONCURRENCY.map((c, i) => `x${c} ${fmtRatio(sniff[i] ?? null)}`).join(", ")} — the price of serving h2c and HTTP/1.1 on one port with that HTTP layer.`,
    ``,
  ];
}

function runCostLines(): string[] {
  const rows = runCostRows();
  if (!rows.length) return [];
  return [
    `### What one run costs, and what the service adds`,
    ``,
    `CPU time per completed request, every thread of the process (JIT and GC helpers included): the agent-runs server per WaitRun, the echo server per unary call ` +
      `on the same protocol, and the load process per in-process \`graph.invoke\`. "Added by the service" = WaitRun − echo − invoke: what agent-runs itself ` +
      `(runtime, stores, handlers, interceptors) and the heavier request cost on top of a bare RPC and a bare invoke; the issue's target is under 0.3 ms. ` +
      `"Best ratio possible here" = invoke ÷ (echo + invoke): the share of the invoke ceiling a service that added nothing could reach while each run also pays for a bare RPC on one core.`,
    ``,
    table(["protocol, clients", "WaitRun ms / run", "echo ms / call", "invoke ms / invoke", "added by the service ms / run", "best ratio possible here", "measured ratio"], rows),
    ``,
  ];
}

export function ceilingsReport(): string[] {
  return [
    `## 2. Ceilings and ratios`,
    ``,
    table(["ceiling", "clients / concurrency", "per second", "p50 ms", "p99 ms", "server cores"], ceilingRows()),
    ``,
    ...sniffLines(),
    `Ratios (throughput; > 1× means the first is faster):`,
    ``,
    table(["agent-runs WaitRun", "÷ invoke ceiling", "÷ echo (same protocol)", "÷ JS server", "÷ Python server", "JS p50 ÷ ours", "Python p50 ÷ ours"], ratioRows()),
    ``,
    ...runCostLines(),
  ];
}
