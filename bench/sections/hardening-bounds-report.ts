// Section 9's bounds part in RESULTS.md (9.4–9.6) and its headline lines: issue 15 items 4, 12, 13.
import { fmt, fmtRatio, median, percentile, ratio } from "../lib.js";
import { QUICK, S } from "../harness/config.js";
import { table } from "../harness/markdown.js";
import { R } from "../harness/results.js";
import type { BoundsResults, EnqueueResult, MemorySeries, NotFoundSeries, TurnsSeries } from "./hardening-client.js";

const p99 = (xs: number[]) => percentile(Float64Array.from(xs.filter(Number.isFinite)).sort(), 99);
const perRequestUs = (s: NotFoundSeries | undefined) => (s && s.ms.length ? s.cpuNs / 1000 / s.ms.length : NaN);
const codes = (c: Record<string, number>) => Object.entries(c).map(([k, v]) => `${fmt(v)} × ${k}`).join(", ") || "none";

/** The first and the last `n` turns' medians, and their ratio. */
function ends(xs: number[], n = 10): { first: number; last: number; ratio: number | null } {
  const first = median(xs.slice(0, n));
  const last = median(xs.slice(-n));
  return { first, last, ratio: ratio(last, first) };
}

/** Per created run in the first and the last block: CPU µs and latency p50. */
function enqueueEnds(e: EnqueueResult) {
  const blocks = e.blockCpuNs.length;
  const lastSize = e.created - (blocks - 1) * e.block;
  return {
    firstUs: (e.blockCpuNs[0] ?? NaN) / 1000 / Math.min(e.block, e.created),
    lastUs: (e.blockCpuNs.at(-1) ?? NaN) / 1000 / lastSize,
    firstMs: median(e.ms.slice(0, e.block)),
    lastMs: median(e.ms.slice(-lastSize)),
  };
}

export function boundsHeadline(): string[] {
  const b = R.hardeningBounds;
  if (!b) return [];
  const out: string[] = [];
  const [other, never] = [b.notFound.find((s) => s.kind === "another user's run"), b.notFound.find((s) => s.kind === "an id that never existed")];
  if (other && never) {
    out.push(`- NOT_FOUND tells nothing (issue 15 item 12): GetRun of another user's run with a ${fmt(b.notFoundInputBytes / 1e6)} MB input costs the server ${fmt(perRequestUs(other))} µs CPU against ${fmt(perRequestUs(never))} for an id that never existed (${fmtRatio(ratio(perRequestUs(other), perRequestUs(never)))}); p50 ${fmt(median(other.ms), 2)} vs ${fmt(median(never.ms), 2)} ms.`);
  }
  if (b.enqueue && b.enqueue.created) {
    const e = enqueueEnds(b.enqueue);
    out.push(`- Admission does not grow with the queue (item 13): enqueue on one thread, server CPU per create ${fmt(e.firstUs)} µs for the first ${fmt(b.enqueue.block)} vs ${fmt(e.lastUs)} µs for the last (${fmtRatio(ratio(e.lastUs, e.firstUs))}, ${fmt(b.enqueue.created)} queued).`);
  }
  if (b.fanOut) {
    const f = b.fanOut;
    out.push(`- ${fmt(f.joiners)} JoinRuns on one finished run (item 13): ${fmt(f.serverCpuS, 2)} server CPU-s in all (${fmt((f.serverCpuS * 1000) / f.joiners, 2)} ms per joiner), RSS peak ${fmt(f.peakRssMiB)} MiB from ${fmt(f.startRssMiB)} (the issue: 137 CPU-s, 1.5 GB).`);
  }
  for (const m of b.memory) {
    const last = m.points.at(-1);
    out.push(`- Memory byte bound (item 4), \`--memory-max-bytes\` ${m.boundMiB} MiB: after ${m.points.length} WaitRuns of a ${fmt(m.inputBytes / 1024)} KiB input the store counts ${fmt(last?.storeMiB)} MiB (${fmtRatio(ratio(last?.storeMiB, m.boundMiB))} of the bound), RSS ${fmt(last?.rssMiB)} MiB.`);
  }
  const bounded = b.turns.find((t) => t.maxCheckpoints !== null);
  if (bounded) {
    const cpu = ends(bounded.cpuUs);
    out.push(`- Checkpoint bound (item 4): a ${bounded.ms.length}-turn thread keeps ${fmt(bounded.rss.at(-1)?.checkpoints)} checkpoints; server CPU per turn ${fmt(cpu.first / 1000, 2)} ms at turns 1–10, ${fmt(cpu.last / 1000, 2)} ms at the last 10 (${fmtRatio(cpu.ratio)}).`);
  }
  return out;
}

function memoryRows(m: MemorySeries): string[][] {
  const wanted = new Set([1, 2, 5, 10, 20, m.points.length]);
  return m.points
    .filter((p) => wanted.has(p.run))
    .map((p) => [`${m.boundMiB} MiB`, String(p.run) + (p.ok ? "" : " (refused)"), fmt(p.rssMiB), fmt(p.heapUsedMiB), fmt(p.externalMiB), fmt(p.storeMiB), fmtRatio(ratio(p.storeMiB, m.boundMiB)), fmt(p.runsKept), fmt(p.checkpointMiB)]);
}

function memoryReport(b: BoundsResults): string[] {
  if (!b.memory.length) return [];
  const m0 = b.memory[0]!;
  const flat = b.memory.map((m) => {
    const tail = m.points.slice(Math.floor(m.points.length / 3)).map((p) => p.rssMiB);
    return `${m.boundMiB} MiB: RSS ${fmt(Math.min(...tail))}–${fmt(Math.max(...tail))} MiB over runs ${Math.floor(m.points.length / 3) + 1}–${m.points.length} (start ${fmt(m.startRssMiB)})` + (m.error ? `; ${m.error}` : "");
  });
  return [
    `### 9.4 Memory store bounds (item 4)`,
    ``,
    `**Byte bound.** ${QUICK ? "One server for all of 9.4–9.6 (quick mode), bound" : "A fresh server per bound"} (\`--memory-max-bytes\`), ${m0.points.length} WaitRuns one after another, each on a fresh thread, of the \`demo\` assistant with one user message of ${fmt(m0.inputBytes / 1024)} KiB (words). After each: the server after a full GC (\`/proc\` RSS, V8 heap used) and what the store itself counts against the bound (runs' records, events and messages by JSON length, plus the checkpointer's serialized bytes), read in the server by \`bench/store-probe.mjs\` (preloaded; the server exposes neither count). The bound is checked when a run is admitted, so after a run the count may exceed it by what that run wrote.`,
    ``,
    table(["bound", "after WaitRun", "RSS MiB", "heap used MiB", "external MiB", "store counts MiB", "÷ bound", "runs kept", "of it checkpoints MiB"], b.memory.flatMap(memoryRows)),
    ``,
    `Flat: ${flat.join("; ")}.`,
    ``,
    ...turnsReport(b.turns),
  ];
}

function turnsReport(turns: TurnsSeries[]): string[] {
  if (!turns.length) return [];
  const rows = turns.map((t) => {
    const ms = ends(t.ms);
    const cpu = ends(t.cpuUs);
    const first = t.rss[0];
    const last = t.rss.at(-1);
    return [
      t.label,
      fmt(t.ms.length) + (t.stoppedBy ? ` (stopped by ${t.stoppedBy})` : ""),
      fmt(last?.checkpoints),
      fmt(last?.checkpointMiB),
      `${fmt(first?.rssMiB)} → ${fmt(last?.rssMiB)} (+${fmt((last?.rssMiB ?? NaN) - (first?.rssMiB ?? NaN))})`,
      `${fmt(first?.storeMiB)} → ${fmt(last?.storeMiB)}`,
      fmt(cpu.first / 1000, 2),
      fmt(cpu.last / 1000, 2),
      fmtRatio(cpu.ratio),
      fmt(ms.first, 2),
      fmt(ms.last, 2),
      fmtRatio(ms.ratio),
    ];
  });
  const curve = turns.map((t) => `${t.label}: ${t.rss.map((r) => `${r.turn}: ${fmt(r.rssMiB)} MiB (store ${fmt(r.storeMiB)}), ${fmt(r.checkpoints)} checkpoints`).join("; ")}`);
  const n = turns[0]!.turnsAsked;
  return [
    `**Checkpoint bound.** A fresh server, one thread, ${fmt(n)} WaitRuns of the \`demo\` assistant on it one after another (a short user message each; the demo writes 5 checkpoints a turn and its state, the conversation, grows by 4 messages a turn), \`--memory-max-checkpoints-per-thread\` at its default${turns.length > 1 ? " and, for contrast, raised out of reach (with \`--memory-max-bytes\` 4 GiB, so the thread's runs are not evicted)" : ""}. Checkpoints kept: on the thread, all namespaces, counted in the server by \`bench/store-probe.mjs\`. Server CPU per turn: the server's threads' \`/proc/<pid>/task/*/schedstat\` (ns) over each WaitRun; medians of the first and the last 10 turns.`,
    ``,
    table(["thread", "turns", "checkpoints kept", "checkpoint MiB", "RSS MiB before → after (growth)", "store counts MiB before → after", "server CPU ms/turn, turns 1–10", "last 10", "÷", "WaitRun p50 ms, turns 1–10", "last 10", "÷"], rows),
    ``,
    `RSS after a full GC by turn: ${curve.join(". ")}.`,
    ``,
  ];
}

function notFoundReport(b: BoundsResults): string[] {
  if (!b.notFound.length) return [];
  const never = b.notFound.find((s) => s.kind === "an id that never existed");
  const cfg = S.hardeningBounds.notFound;
  const alone = (s: NotFoundSeries | undefined) => (s ? median(s.perCallNs) / 1000 : NaN);
  const rows = b.notFound.map((s) => [s.kind, fmt(perRequestUs(s)), fmtRatio(ratio(perRequestUs(s), perRequestUs(never))), fmt(alone(s)), fmtRatio(ratio(alone(s), alone(never))), fmt(median(s.ms), 3), fmt(p99(s.ms), 3), codes(s.codes)]);
  return [
    `### 9.5 NOT_FOUND for another user's big run (item 12)`,
    ``,
    `A fresh server with an API-key auth config of two users (alice, bob; \`--auth-config\`, the JSON shape of docs/security-and-operations.md). Alice's WaitRun of the \`echo\` graph with a ${fmt(b.notFoundInputBytes / 1e6)} MB input (the run's kwargs hold it; \`metadata\`, the issue's field, is now bounded to 64 KiB); then bob's GetRun of that run and of fresh random UUIDs, ${fmt(cfg.requests)} each, one at a time over gRPC, in alternating blocks of ${cfg.block} after ${cfg.warmup} of each unrecorded. Server CPU per request: the server's threads' schedstat (ns) over each block, summed per kind ÷ requests (what runs between requests, a GC, counts too), and the median over each request alone (read before and after it). Alice still reads her run after the loop. The issue measured p50 33.5 ms against 9.6 ms before the fix (the document was parsed before the owner check).`,
    ``,
    table(["bob's GetRun of", "server CPU µs per request (blocks)", "÷ never existed", "p50 µs, each request alone", "÷", "p50 ms", "p99 ms", "answers"], rows),
    ``,
  ];
}

function queueReport(b: BoundsResults): string[] {
  const out: string[] = [];
  if (!b.fanOut && !b.enqueue) return out;
  out.push(`### 9.6 Fan-out and queue (item 13)`, ``);
  if (b.fanOut) {
    const f = b.fanOut;
    out.push(
      `A fresh server with \`--max-joiners-per-run 5000 --max-joiners-per-user 5000\` (defaults 1,000 and 100). Alice's one finished \`demo\` run with \`custom_events\` ${fmt(S.hardeningBounds.fanOut.events)} and stream mode CUSTOM (${fmt(f.eventsPerRun)} events stored: its metadata, the custom events and its end), read once to warm the path; then ${fmt(f.joiners)} JoinRuns of it from alice at once, 250 per HTTP/2 connection, each read to its \`end\`. Server CPU: its process group's \`/proc\` CPU time from the first request to the last stream's end; RSS sampled every 20 ms (peak), from after a full GC. The issue measured 128 s, 137 CPU-s and a 1.5 GB peak for 2,000 JoinRuns before the fix.`,
      ``,
      table(
        ["JoinRuns", "read to the end", "server CPU-s", "CPU ms per joiner", "wall s", "RSS MiB at start", "peak", "peak − start", "events delivered", "errors"],
        [[fmt(f.joiners), fmt(f.completed), fmt(f.serverCpuS, 2), fmt((f.serverCpuS * 1000) / f.joiners, 2), fmt(f.wallS, 2), fmt(f.startRssMiB), fmt(f.peakRssMiB), fmt(f.peakRssMiB - f.startRssMiB), fmt(f.eventsDelivered), codes(f.errors)]],
      ),
      ``,
    );
  }
  if (b.enqueue) {
    const e = b.enqueue;
    const x = enqueueEnds(e);
    out.push(
      `A fresh server; one thread held by a \`demo\` run asleep in its first node (\`context.delay_ms\` 120,000, the demo's cap per node); then ${fmt(e.asked)} StreamRuns on that thread with multitask ENQUEUE (on_disconnect continue, the same delay), one at a time, each read until its \`metadata\` event (the run created and queued) and then left; before them ${fmt(S.hardeningBounds.enqueue.warmup)} such enqueues on another thread, unrecorded and cancelled, warm the path. Create latency is request → metadata; server CPU per create is the schedstat (ns) over each block of ${e.block} ÷ ${e.block}, so it includes the stream's setup and its end when the client leaves. Afterwards every run was cancelled (CancelRun, newest first, the holder last): ${fmt(e.cancelled)} of ${fmt(e.created + 1)} in ${fmt(e.cancelS, 2)} s.${e.stoppedBy ? ` Stopped by ${e.stoppedBy}.` : ""} The issue measured 7 s per 1,000 enqueues at the start and 26 s with 9,000 queued before the fix.`,
      ``,
      table(
        ["enqueues", "create p50 ms", "server CPU µs per create"],
        [
          [`first ${fmt(Math.min(e.block, e.created))}`, fmt(x.firstMs, 2), fmt(x.firstUs)],
          [`last ${fmt(Math.min(e.block, e.created))} (${fmt(e.created - e.block)} queued before them)`, fmt(x.lastMs, 2), fmt(x.lastUs)],
          [`last ÷ first`, fmtRatio(ratio(x.lastMs, x.firstMs)), fmtRatio(ratio(x.lastUs, x.firstUs))],
        ],
      ),
      ``,
    );
  }
  return out;
}

export function boundsReport(): string[] {
  const b = R.hardeningBounds;
  if (!b) return [];
  return [...memoryReport(b), ...notFoundReport(b), ...queueReport(b), ...(b.errors.length ? [`Errors: ${b.errors.join("; ")}`, ``] : [])];
}
