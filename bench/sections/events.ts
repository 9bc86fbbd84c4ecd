// Section 4: StreamRun of N custom events (a burst and paced), next to the echo server's stream
// (transport ceiling) and the graph alone in process (LangGraph ceiling).
import { fmt, type StreamEventsResult, type StreamTarget } from "../lib.js";
import { lineChart } from "../svg.js";
import { log, REPS, S } from "../harness/config.js";
import { figure, table } from "../harness/markdown.js";
import { quiet } from "../harness/measure.js";
import { eventsOf, R } from "../harness/results.js";
import type { Server } from "../harness/server.js";
import type { Worker } from "../harness/worker.js";

export async function streamEvents(worker: Worker, server: Server, echo: Server, prefix = ""): Promise<void> {
  const variants: Array<{ key: string; target: StreamTarget; url: string; count: number; intervalMs: number }> = [
    { key: `${prefix}agent-runs burst`, target: "agent-runs", url: server.url, count: S.burst, intervalMs: 0 },
    { key: `${prefix}agent-runs paced`, target: "agent-runs", url: server.url, count: S.paced.count, intervalMs: S.paced.intervalMs },
    { key: `${prefix}echo-server burst`, target: "echo-server", url: echo.url, count: S.burst, intervalMs: 0 },
    { key: `${prefix}echo-server paced`, target: "echo-server", url: echo.url, count: S.paced.count, intervalMs: S.paced.intervalMs },
    { key: `${prefix}graph alone burst`, target: "graph", url: "", count: S.burst, intervalMs: 0 },
    { key: `${prefix}graph alone paced`, target: "graph", url: "", count: S.paced.count, intervalMs: S.paced.intervalMs },
  ];
  // One unrecorded pass of each variant (shorter), to warm the servers and the client.
  for (const v of variants) {
    await worker.run({ kind: "stream-events", url: v.url, protocol: "grpc", target: v.target, count: Math.min(v.count, v.intervalMs ? 200 : 1000), intervalMs: v.intervalMs });
  }
  const reps: Record<string, StreamEventsResult[]> = {};
  for (let rep = 0; rep < REPS; rep++) {
    for (const v of variants) {
      await quiet();
      const r = await worker.run<StreamEventsResult>({ kind: "stream-events", url: v.url, protocol: "grpc", target: v.target, count: v.count, intervalMs: v.intervalMs });
      log(
        `   rep ${rep + 1} ${v.key} ${v.count} events: first ${fmt(r.ttfeMs, 2)} ms, end ${fmt(r.tteMs)} ms, ${fmt(r.eventsPerSec)} ev/s, ` +
          `latency p50 ${fmt(r.latency.p50, 2)} p99 ${fmt(r.latency.p99, 2)} max ${fmt(r.latency.max, 2)} ms, end lag ${fmt(r.endLagMs, 2)} ms (received ${r.received})`,
      );
      (reps[v.key] ??= []).push(r);
    }
  }
  for (const [key, list] of Object.entries(reps)) R.streamEvents[key] = eventsOf(list);
}

export function eventsFigures(): Array<[string, string]> {
  const curves = Object.entries(R.streamEvents)
    .filter(([, cell]) => cell.reps.length)
    .map(([key, cell]) => {
      // The rep with the median p99.
      const sorted = [...cell.reps].sort((a, b) => a.latency.p99 - b.latency.p99);
      const rep = sorted[sorted.length >> 1]!;
      return { name: `${key} (${cell.median.count} events)`, points: rep.curve.map(([p, v]) => [p, Math.max(v, 0.001)] as [number, number]) };
    });
  if (!curves.length) return [];
  const svg = lineChart({
    title: "StreamRun per-event delivery latency (emit in graph → receive in client), by percentile",
    xLabel: "percentile",
    yLabel: "latency, ms",
    series: curves,
    logY: true,
    refs: [{ y: 1, label: "target: p99 < 1 ms" }],
    width: 1000,
  });
  return [["stream-event-latency.svg", svg]];
}

const met = (ok: boolean) => (ok ? "met" : "missed");

export function eventsHeadline(): string[] {
  const out: string[] = [];
  const burst = R.streamEvents["agent-runs burst"]?.median;
  const paced = R.streamEvents["agent-runs paced"]?.median;
  const echoBurst = R.streamEvents["echo-server burst"]?.median;
  const graphPaced = R.streamEvents["graph alone paced"]?.median;
  const echoPaced = R.streamEvents["echo-server paced"]?.median;
  if (burst) {
    out.push(
      `- StreamRun, ${fmt(burst.count)} custom events in one burst: first event after ${fmt(burst.ttfeMs)} ms, end of stream after ${fmt(burst.tteMs)} ms (${fmt(burst.eventsPerSec)} events/s` +
        (echoBurst ? `; the bare echo server streams ${fmt(echoBurst.eventsPerSec)}/s` : "") +
        `); per-event latency p50 ${fmt(burst.p50, 2)} ms, p99 ${fmt(burst.p99, 2)} ms — target p99 < 1 ms **${met(burst.p99 < 1)}**; end ${fmt(burst.endLagMs, 2)} ms after the graph's last event — target ≤ 2 ms **${met(burst.endLagMs <= 2)}**. ` +
        `The graph writes the burst in ${fmt(burst.emitSpanMs)} ms, faster than any of these servers can send it, so per-event latency in a burst is the queue ahead of each event (section 4).`,
    );
  }
  if (paced) {
    out.push(
      `- StreamRun, ${fmt(paced.count)} events 1 ms apart: per-event p50 ${fmt(paced.p50, 2)} ms, p99 ${fmt(paced.p99, 2)} ms (target < 1 ms **${met(paced.p99 < 1)}**); end ${fmt(paced.endLagMs, 2)} ms after the last event (target ≤ 2 ms **${met(paced.endLagMs <= 2)}**)` +
        (graphPaced ? `; LangGraph alone, in process, takes ${fmt(graphPaced.endLagMs, 2)} ms from the last event to the end of its stream` : "") +
        (echoPaced ? `, and the bare echo server delivers at p99 ${fmt(echoPaced.p99, 2)} ms` : "") +
        `.`,
    );
  }
  return out;
}

export function eventsReport(figures: string[]): string[] {
  const rows: string[][] = [];
  for (const [key, cell] of Object.entries(R.streamEvents)) {
    const x = cell.median;
    rows.push([key, fmt(x.count), fmt(x.emitSpanMs, 1), fmt(x.ttfeMs, 2), fmt(x.tteMs, 1), fmt(x.eventsPerSec), fmt(x.p50, 3), fmt(x.p99, 3), fmt(x.p999, 3), fmt(x.max, 2), fmt(x.endLagMs, 2), fmt(x.closeLagMs, 2), met(x.p99 < 1), met(x.endLagMs <= 2)]);
  }
  return [
    `## 4. StreamRun: ${fmt(S.burst)} custom events`,
    ``,
    `The \`emit\` bench graph (\`bench/emit-graph.ts\`) writes N custom events from one node, each stamped with \`performance.timeOrigin + performance.now()\`; the client (gRPC) stamps each on receipt with the same clock (same machine). Per-event latency = receive − emit. "burst": all N written synchronously; "paced": one per ${S.paced.intervalMs} ms. "echo-server" is the transport ceiling: the same events yielded straight from a connect-node handler on the same server stack (in a burst it yields them only as fast as the socket takes them, so its emit span is its delivery time). "graph alone" is the LangGraph ceiling: the same graph run inside the load process and read the way agent-runs reads it (\`src/runtime/graph-stream.ts\`, stream modes custom + updates, a MemorySaver), latency measured to the callback; its end lag is what LangGraph itself needs after the last event (finishing the node, writing the checkpoint) before any server could send \`end\`. End lag = receipt of the \`end\` event − emit time of the last custom event; close lag = stream closed − the same. Targets: p99 per-event latency < 1 ms; end within 2 ms of the graph's last event.`,
    ``,
    table(["variant", "events", "graph's emit span ms", "first event ms", "end ms", "events/s", "p50 ms", "p99 ms", "p99.9 ms", "max ms", "end lag ms", "close lag ms", "p99 < 1 ms", "end ≤ 2 ms"], rows),
    ``,
    ...figure(figures, "stream-event-latency.svg", "per-event latency"),
    ``,
  ];
}
