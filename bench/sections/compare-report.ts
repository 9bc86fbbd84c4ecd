// The report of `--only compare` (sections/compare.ts): per figure, before and after (median over
// rounds, with the range), after ÷ before, and the range of the per-round ratios.
import { fmt, median } from "../lib.js";
import { JIT_WARMUP_MS, ROUNDS, S } from "../harness/config.js";
import { table } from "../harness/markdown.js";
import { R } from "../harness/results.js";
import { ATTEMPTS, MAX_OTHER_CORES } from "./compare.js";

/** key in a round's metrics, label, digits, and whether more is better. */
const FIGURES: Array<{ key: string; label: string; digits: number; higherIsBetter?: boolean }> = [
  { key: "wait.grpc.16.cpuMs", label: "**server CPU ms per WaitRun, gRPC, 16 clients**", digits: 3 },
  { key: "wait.json.16.cpuMs", label: "**server CPU ms per WaitRun, Connect JSON, 16 clients**", digits: 3 },
  { key: "wait.grpc.1.cpuMs", label: "server CPU ms per WaitRun, gRPC, 1 client", digits: 3 },
  { key: "wait.json.1.cpuMs", label: "server CPU ms per WaitRun, Connect JSON, 1 client", digits: 3 },
  { key: "wait.grpc.16.throughput", label: "WaitRun gRPC, 16 clients: runs/s", digits: 0, higherIsBetter: true },
  { key: "wait.json.16.throughput", label: "WaitRun Connect JSON, 16 clients: runs/s", digits: 0, higherIsBetter: true },
  { key: "wait.grpc.16.p50", label: "WaitRun gRPC, 16 clients: p50 ms", digits: 2 },
  { key: "wait.json.16.p50", label: "WaitRun Connect JSON, 16 clients: p50 ms", digits: 2 },
  { key: "wait.grpc.1.p50", label: "WaitRun gRPC, serial: p50 ms", digits: 2 },
  { key: "wait.json.1.p50", label: "WaitRun Connect JSON, serial: p50 ms", digits: 2 },
  { key: "stream.grpc.ttfe", label: "StreamRun gRPC: first event p50 ms", digits: 2 },
  { key: "stream.grpc.tte", label: "StreamRun gRPC: end p50 ms", digits: 2 },
  { key: "stream.json.ttfe", label: "StreamRun Connect JSON: first event p50 ms", digits: 2 },
  { key: "stream.json.tte", label: "StreamRun Connect JSON: end p50 ms", digits: 2 },
  { key: "events.paced.endLag", label: "StreamRun 1,000 events 1 ms apart: end lag ms", digits: 2 },
  { key: "events.paced.p99", label: "StreamRun 1,000 events 1 ms apart: per-event p99 ms", digits: 2 },
  { key: "events.burst.tte", label: "StreamRun 10,000-event burst: end ms", digits: 0 },
  { key: "events.burst.eventsPerSec", label: "StreamRun 10,000-event burst: events/s", digits: 0, higherIsBetter: true },
  { key: "events.burst.cpuMsPer1k", label: "StreamRun 10,000-event burst: server CPU ms per 1,000 events", digits: 1 },
];

const range = (values: number[], digits: number): string => {
  const finite = values.filter(Number.isFinite);
  return finite.length ? `${fmt(Math.min(...finite), digits)}–${fmt(Math.max(...finite), digits)}` : "—";
};
const r2 = (r: number): string => (Number.isFinite(r) ? r.toFixed(2) : "—");

/** Rounds with both sides measured. */
function completedRounds(): number {
  const rounds = R.compare?.rounds ?? [];
  let n = 0;
  while (rounds.some((r) => r.round === n + 1 && r.side === "after") && rounds.some((r) => r.round === n + 1 && r.side === "before")) n++;
  return n;
}

function values(side: string, key: string): number[] {
  const n = completedRounds();
  return (R.compare?.rounds ?? []).filter((r) => r.side === side && r.round <= n).map((r) => r.metrics[key] ?? NaN);
}

/** after ÷ before of each round (rounds pair up by number). */
function roundRatios(key: string): number[] {
  const out: number[] = [];
  for (let round = 1; round <= completedRounds(); round++) {
    const of = (side: string) => R.compare?.rounds.find((r) => r.round === round && r.side === side)?.metrics[key];
    const b = of("before");
    const a = of("after");
    if (a !== undefined && b !== undefined && b !== 0) out.push(a / b);
  }
  return out;
}

export function compareRows(): string[][] {
  return FIGURES.map((f) => {
    const b = values("before", f.key);
    const a = values("after", f.key);
    const ratio = median(a) / median(b);
    const worse = f.higherIsBetter ? 1 / ratio - 1 : ratio - 1;
    const per = roundRatios(f.key);
    const d = f.digits === 0 ? 1 : f.digits;
    return [
      f.label,
      `${fmt(median(b), d)} (${range(b, d)})`,
      `${fmt(median(a), d)} (${range(a, d)})`,
      `**${r2(ratio)}**`,
      `${r2(median(per))} (${per.length ? `${r2(Math.min(...per))}–${r2(Math.max(...per))}` : "—"})`,
      Number.isFinite(worse) ? `${worse >= 0 ? "+" : "−"}${Math.abs(worse * 100).toFixed(1)}%` : "—",
    ];
  });
}

function loadLine(): string[] {
  const rounds = R.compare?.rounds ?? [];
  const cell = (r: (typeof rounds)[number]) => `${r.round} ${r.side} ${fmt(r.metrics["load.otherCores"], 2)} / ${fmt(r.metrics["load.worstCellOtherCores"], 2)}${r.metrics["load.retries"] ? ` (${r.metrics["load.retries"]} retried)` : ""}`;
  return [
    `Other processes shared this machine (test suites, type checks). A measurement during which they used more than ${MAX_OTHER_CORES} cores was taken again (at most ${ATTEMPTS} attempts; the least disturbed one counts). ` +
      `Cores the rest of the machine used, per round and side (whole side / worst measurement kept), from \`/proc/stat\`: ${rounds.map(cell).join(", ")}.`,
    ``,
  ];
}

function errorsLine(): string[] {
  const bad = (R.compare?.rounds ?? []).filter((r) => Object.entries(r.metrics).some(([k, v]) => /errors|missing/.test(k) && v > 0));
  return bad.length ? [`Errors or missing events in: ${bad.map((r) => `round ${r.round} ${r.side}`).join(", ")} (see results.json).`, ``] : [`No errors and no missing events in any round.`, ``];
}

export function compareReport(): string[] {
  const c = R.compare;
  if (!c) return [];
  const side = (k: string) => {
    const s = c.sides[k]!;
    return `\`${s.rev ?? "?"}\`${s.dirtySrc ? " (with uncommitted src/ changes)" : ""}`;
  };
  return [
    `Before = ${side("before")}, after = ${side("after")}; ${completedRounds()} round${completedRounds() === 1 ? "" : "s"}${completedRounds() < ROUNDS ? ` (of ${ROUNDS} asked; the run was cut short)` : ""}, each measuring before then after, each side on fresh servers (one per protocol, ${fmt(JIT_WARMUP_MS / 1000)} s JIT warm-up at 16 clients) started the way every section starts agent-runs. ` +
      `WaitRun windows ${fmt(S.compare.wait.durationMs / 1000)} s after ${fmt(S.compare.wait.warmupMs / 1000)} s (16 clients) and ${fmt(S.compare.serial.durationMs / 1000)} s after ${fmt(S.compare.serial.warmupMs / 1000)} s (1 client); ` +
      `${S.compare.streamTiming.reps} sequential StreamRuns of the echo graph per protocol; the emit graph's ${fmt(S.paced.count)} paced events and ${fmt(S.burst)}-event burst over gRPC. ` +
      `Server CPU per run = the server process group's CPU time (\`/proc\`) over the loop (its warm-up included) ÷ wall time ÷ runs/s. ` +
      `Each cell: median over rounds (min–max); "after ÷ before" = ratio of the medians; "per round" = median (min–max) of each round's after ÷ before; "worse by" is the change in the bad direction (more CPU or time, fewer runs or events per second).`,
    ``,
    table(["figure", "before", "after", "after ÷ before", "per round", "worse by"], compareRows()),
    ``,
    ...errorsLine(),
    ...loadLine(),
  ];
}
