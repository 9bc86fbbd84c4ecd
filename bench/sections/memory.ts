// Section 5: memory with N idle open streams (agent-runs, and bare streams on the echo server)
// and after N finished runs, with WaitRun throughput per chunk as runs accumulate.
import { fmt, sleep, type IdleOpenResult, type LoopResult } from "../lib.js";
import { lineChart } from "../svg.js";
import { log, QUICK, S } from "../harness/config.js";
import { figure, table } from "../harness/markdown.js";
import { R, type IdleRow } from "../harness/results.js";
import type { Server } from "../harness/server.js";
import type { Worker } from "../harness/worker.js";

export async function memoryIdle(worker: Worker, server: Server, target: "agent-runs" | "echo-server", steps: number[]): Promise<void> {
  const rows = target === "agent-runs" ? R.memory.idle : R.memory.idleEcho;
  const base = await server.probe("gc");
  const baseRss = server.rssKb();
  rows.push({ streams: 0, rssKb: baseRss, heapUsed: base.heapUsed, external: base.external, openMs: 0, failed: 0, perStreamKb: null, perStreamHeapKb: null });
  log(`   ${target} idle streams 0: RSS ${fmt(baseRss / 1024)} MiB, heap ${fmt(base.heapUsed / 2 ** 20)} MiB`);
  let open = 0;
  try {
    for (const step of steps) {
      const r = await worker.run<IdleOpenResult>({ kind: "idle-open", url: server.url, target, count: step - open, perConnection: 500, parallel: 64 });
      open += r.opened;
      await sleep(QUICK ? 200 : 500);
      const reading = await server.probe("gc");
      const rss = server.rssKb();
      const row: IdleRow = {
        streams: open,
        rssKb: rss,
        heapUsed: reading.heapUsed,
        external: reading.external,
        openMs: r.elapsedMs,
        failed: r.failed,
        perStreamKb: open ? (rss - baseRss) / open : null,
        perStreamHeapKb: open ? (reading.heapUsed - base.heapUsed) / 1024 / open : null,
      };
      rows.push(row);
      log(
        `   ${target} idle streams ${open} (+${r.opened} in ${fmt(r.elapsedMs)} ms${r.failed ? `, ${r.failed} failed: ${r.firstError}` : ""}): RSS ${fmt(rss / 1024)} MiB ` +
          `(${fmt(row.perStreamKb, 2)} KiB/stream), heap ${fmt(reading.heapUsed / 2 ** 20)} MiB (${fmt(row.perStreamHeapKb, 2)} KiB/stream)`,
      );
    }
  } finally {
    await worker.run({ kind: "idle-close" });
  }
}

export async function memoryFinished(worker: Worker, server: Server): Promise<void> {
  const base = await server.probe("gc");
  R.memory.finished.push({ runs: 0, rssKb: server.rssKb(), heapUsed: base.heapUsed, elapsedMs: 0, throughput: NaN });
  let done = 0;
  const started = Date.now();
  let lastChunkMs = 0;
  while (done < S.finished.total) {
    // Bounded in time: a server that slows down must not hold the whole bench.
    if (Date.now() - started + lastChunkMs > S.finished.budgetMs) {
      R.memory.finishedStopped = `stopped after ${fmt(done)} runs: the next chunk would pass the ${S.finished.budgetMs / 1000} s budget of this section`;
      log(`   ${R.memory.finishedStopped}`);
      break;
    }
    const t0 = Date.now();
    const r = await worker.run<LoopResult>({ kind: "wait", url: server.url, protocol: "connect-json", assistantId: "echo", concurrency: 16, warmupMs: 0, durationMs: 0, count: S.finished.chunk });
    if (r.errors) throw new Error(`finished runs: ${r.errors} errors (${r.firstError})`);
    done += r.completed;
    const reading = await server.probe("gc");
    const rss = server.rssKb();
    R.memory.finished.push({ runs: done, rssKb: rss, heapUsed: reading.heapUsed, elapsedMs: r.elapsedMs, throughput: r.throughput });
    log(`   finished runs ${done}: RSS ${fmt(rss / 1024)} MiB, heap ${fmt(reading.heapUsed / 2 ** 20)} MiB (${fmt(r.throughput)} runs/s)`);
    lastChunkMs = Date.now() - t0;
  }
}

/** RSS and heap used (MiB) against `x` of each row. */
function rssAndHeap<T extends { rssKb: number; heapUsed: number }>(rows: T[], x: (r: T) => number) {
  return [
    { name: "RSS", points: rows.map((r) => [x(r), r.rssKb / 1024] as [number, number]) },
    { name: "heap used", points: rows.map((r) => [x(r), r.heapUsed / 2 ** 20] as [number, number]) },
  ];
}

export function memoryFigures(): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  const finished = R.memory.finished;
  if (finished.length > 1) {
    const title = "Server RSS and V8 heap after N finished runs (memory store, after GC)";
    out.push(["memory-finished-runs.svg", lineChart({ title, xLabel: "finished runs", yLabel: "MiB", series: rssAndHeap(finished, (r) => r.runs) })]);
  }
  if (finished.length > 2) {
    const points = finished.filter((r) => r.runs > 0).map((r) => [r.runs, r.throughput] as [number, number]);
    out.push([
      "finished-runs-throughput.svg",
      lineChart({
        title: "WaitRun throughput per chunk as finished runs accumulate (memory store, defaults)",
        xLabel: "finished runs at the end of the chunk",
        yLabel: "runs per second",
        series: [{ name: "WaitRun, Connect JSON, 16 clients", points }],
      }),
    ]);
  }
  if (R.memory.idle.length > 1) {
    const title = "Server RSS and V8 heap with N idle open StreamRun streams (after GC)";
    out.push(["memory-idle-streams.svg", lineChart({ title, xLabel: "open idle streams", yLabel: "MiB", series: rssAndHeap(R.memory.idle, (r) => r.streams) })]);
  }
  return out;
}

export function memoryHeadline(): string[] {
  const out: string[] = [];
  const idleLast = R.memory.idle[R.memory.idle.length - 1];
  if (idleLast && idleLast.streams) out.push(`- Memory per idle open stream (incl. its sleeping run): ${fmt(idleLast.perStreamKb)} KiB RSS at ${fmt(idleLast.streams)} streams.`);
  const finLast = R.memory.finished[R.memory.finished.length - 1];
  const fin0 = R.memory.finished[0];
  if (finLast && fin0 && finLast.runs) {
    const chunks = R.memory.finished.filter((r) => r.runs > 0);
    const firstChunk = chunks[0];
    out.push(
      `- RSS after ${fmt(finLast.runs)} finished runs: ${fmt(finLast.rssKb / 1024)} MiB (+${fmt((finLast.rssKb - fin0.rssKb) / 1024)} MiB over the empty server, ${fmt(((finLast.rssKb - fin0.rssKb) * 1024) / finLast.runs)} bytes per run)` +
        (R.memory.finishedStopped ? ` — **${R.memory.finishedStopped}**` : "") +
        (firstChunk && chunks.length > 1 ? `; WaitRun throughput over the chunks went from ${fmt(firstChunk.throughput)} to ${fmt(finLast.throughput)} runs/s.` : "."),
    );
  }
  return out;
}

function idleTable(): string {
  const idleRow = (what: string) => (r: IdleRow) => [what, fmt(r.streams), fmt(r.rssKb / 1024), fmt(r.heapUsed / 2 ** 20), fmt(r.perStreamKb, 2), fmt(r.perStreamHeapKb, 2), fmt(r.openMs), String(r.failed)];
  return table(
    ["server", "open streams", "RSS MiB", "heap used MiB", "RSS KiB / stream", "heap KiB / stream", "time to open ms", "failed"],
    [...R.memory.idle.map(idleRow("agent-runs (run asleep behind each stream)")), ...R.memory.idleEcho.map(idleRow("bare echo server (stream only)"))],
  );
}

function finishedTable(): string {
  const base = R.memory.finished[0]?.rssKb ?? 0;
  const rows = R.memory.finished.map((r) => [fmt(r.runs), fmt(r.rssKb / 1024), fmt(r.heapUsed / 2 ** 20), fmt((r.rssKb - base) / 1024), r.runs ? fmt(((r.rssKb - base) * 1024) / r.runs) : "—", fmt(r.throughput)]);
  return table(["finished runs", "RSS MiB", "heap used MiB", "RSS growth MiB", "bytes / run (RSS)", "runs/s in chunk"], rows);
}

export function memoryReport(figures: string[]): string[] {
  const stopped = R.memory.finishedStopped;
  return [
    `## 5. Memory`,
    ``,
    `Read from outside the server: RSS from \`/proc/<pid>/status\` (VmRSS), V8 heap from \`bench/probe.mjs\` (preloaded; on SIGUSR2 it runs a full GC and writes \`process.memoryUsage()\`). Fresh server for each part, memory store.`,
    ``,
    `Idle open streams: StreamRun on the \`demo\` graph with \`context.delay_ms\` = 600000 and \`on_disconnect\` continue, so each stream holds a run asleep in its first node; gRPC, ${500} streams per HTTP/2 connection. Per stream = (value − value with 0 streams) / streams; it includes the run, its events, its checkpoint and the stream.`,
    ``,
    idleTable(),
    ``,
    `The bare echo server holds the same gRPC streams open on the same server stack with nothing behind them (its handler awaits a timer after the first event): the difference between the two rows is what the run itself (LangGraph execution, run record, events, checkpoint, tail loop) costs.`,
    ``,
    `Finished runs: WaitRun on the echo graph, Connect JSON, 16 clients, in chunks of ${fmt(S.finished.chunk)}; after each chunk a full GC, then RSS.`,
    ``,
    ...(stopped ? [`**${stopped}.** Look at "runs/s in chunk": a server that slows down as runs accumulate does not reach the target count in time.`, ``] : []),
    finishedTable(),
    ``,
    ...figure(figures, "memory-idle-streams.svg", "idle streams"),
    ``,
    ...figure(figures, "memory-finished-runs.svg", "finished runs"),
    ``,
    ...figure(figures, "finished-runs-throughput.svg", "throughput as runs accumulate"),
    ``,
  ];
}
