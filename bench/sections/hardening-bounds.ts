// Section 9's bounds part (issue 15 items 4, 12, 13), measured on fresh agent-runs servers with an
// API-key auth config of two users and bench/store-probe.mjs preloaded (the memory store's own
// byte count and checkpoints, read with each probe). This file: item 4, the memory store's byte
// bound (RSS and the store's count after each WaitRun of a ~1 MiB input, at two bounds) and its
// checkpoint bound (a long thread: checkpoints kept, RSS, WaitRun time and server CPU per turn);
// hardening-fanout.ts has items 12 and 13. `--only hardening` runs it after the rest of section 9,
// `--only hardening-bounds` alone.
import { randomUUID } from "node:crypto";
import { OnDisconnect } from "../../gen/agentruns/v1/runs_pb.js";
import { fmt, median } from "../lib.js";
import { log, QUICK, S } from "../harness/config.js";
import { quiet } from "../harness/measure.js";
import type { Server } from "../harness/server.js";
import { B, clientOf, cpuNs, errorCode, MiB, removeAuthFile, startBoundsServer, type MemorySeries, type TurnsSeries } from "./hardening-client.js";
import { enqueueSeries, fanOut, notFound } from "./hardening-fanout.js";

const QUIET_MS = 15_000;

/** A demo-assistant user message of about `bytes` (words, so the tool's word count has work of its size). */
const bigMessage = (bytes: number) => ({ messages: [{ role: "user", content: "word ".repeat(Math.ceil(bytes / 5)) }] });

/** `runs` WaitRuns (fresh thread each) of a ~`inputBytes` message; after each, the server after a full GC and what its store counts. */
export async function memorySeries(server: Server, boundMiB: number): Promise<MemorySeries> {
  const { runs, inputBytes, budgetMs } = S.hardeningBounds.memory;
  const start = await server.probe("gc");
  const series: MemorySeries = { boundMiB, inputBytes, startRssMiB: MiB(start.rss)!, points: [], error: null };
  const { c, close } = clientOf(server, "alice");
  const input = bigMessage(inputBytes);
  const t0 = performance.now();
  try {
    for (let i = 1; i <= runs && performance.now() - t0 < budgetMs; i++) {
      let ok = true;
      try {
        await c.waitRun({ run: { assistantId: "demo", input, onDisconnect: OnDisconnect.CANCEL } }, { timeoutMs: 60_000 });
      } catch (error) {
        ok = false;
        series.error ??= `run ${i}: ${errorCode(error)}`;
      }
      const p = await server.probe("gc");
      const x = p.extra ?? {};
      series.points.push({ run: i, ok, rssMiB: MiB(p.rss)!, heapUsedMiB: MiB(p.heapUsed)!, externalMiB: MiB(p.external)!, storeMiB: MiB(x["storeBytes"]), runsKept: x["runsCounted"] ?? null, checkpointMiB: MiB(x["checkpointBytes"]) });
    }
  } finally {
    close();
  }
  const last = series.points.at(-1);
  log(`   --memory-max-bytes ${boundMiB} MiB: after ${series.points.length} WaitRuns of ${fmt(inputBytes / 1024)} KiB: RSS ${fmt(last?.rssMiB)} MiB (start ${fmt(series.startRssMiB)}), store counts ${fmt(last?.storeMiB)} MiB in ${fmt(last?.runsKept)} runs${series.error ? `; ${series.error}` : ""}`);
  return series;
}

/** One thread, `turns` WaitRuns of the demo one after another: per turn time and server CPU; RSS and checkpoints at each probe. */
export async function turnsSeries(server: Server, label: string, maxCheckpoints: number | null): Promise<TurnsSeries> {
  const { turns, probeEvery, budgetMs } = S.hardeningBounds.turns;
  const s: TurnsSeries = { label, maxCheckpoints, turnsAsked: turns, ms: [], cpuUs: [], rss: [], stoppedBy: null };
  const { c, close } = clientOf(server, "alice");
  const threadId = randomUUID();
  const probe = async (turn: number) => {
    const p = await server.probe("gc");
    s.rss.push({ turn, rssMiB: MiB(p.rss)!, storeMiB: MiB(p.extra?.["storeBytes"]), checkpoints: p.extra?.["checkpointsMaxPerThread"] ?? null, checkpointMiB: MiB(p.extra?.["checkpointBytes"]) });
  };
  try {
    await probe(0);
    const t0 = performance.now();
    for (let turn = 1; turn <= turns; turn++) {
      if (performance.now() - t0 > budgetMs) {
        s.stoppedBy = `the ${fmt(budgetMs / 1000)} s budget, after ${turn - 1} turns`;
        break;
      }
      const cpu0 = cpuNs(server.pid);
      const t = performance.now();
      await c.waitRun({ run: { assistantId: "demo", threadId, input: { messages: [{ role: "user", content: `turn ${turn}: count these words` }] }, onDisconnect: OnDisconnect.CANCEL } }, { timeoutMs: 60_000 });
      s.ms.push(performance.now() - t);
      s.cpuUs.push((cpuNs(server.pid) - cpu0) / 1000);
      if (turn % probeEvery === 0 || turn === turns) await probe(turn);
    }
  } finally {
    close();
  }
  const last = s.rss.at(-1);
  log(`   ${label}: ${s.ms.length} turns, ${fmt(last?.checkpoints)} checkpoints kept (${fmt(last?.checkpointMiB)} MiB), RSS ${fmt(s.rss[0]?.rssMiB)} → ${fmt(last?.rssMiB)} MiB, WaitRun p50 ${fmt(median(s.ms.slice(0, 10)), 2)} ms (turns 1–10) vs ${fmt(median(s.ms.slice(-10)), 2)} ms (last 10)`);
  return s;
}

/** Each server stopped when its part is done, also on failure; a failure is recorded and the next part goes on. */
async function onServer(name: string, extra: string[], fn: (server: Server) => Promise<void>): Promise<void> {
  await quiet(QUIET_MS);
  let server: Server | null = null;
  try {
    server = await startBoundsServer(name, extra);
    await fn(server);
  } catch (error) {
    const text = `${name}: ${error instanceof Error ? error.message : String(error)}`;
    log(`   !! ${text.split("\n")[0]}`);
    B().errors.push(text.slice(0, 500));
  } finally {
    await server?.stop();
  }
}

const MIB = 1 << 20;
const UNBOUNDED_CHECKPOINTS = 1_000_000;

/** The full run: a fresh server per part. */
async function fullRun(): Promise<void> {
  const cfg = S.hardeningBounds;
  await onServer("agent-runs-auth-notfound", [], async (s) => void (await notFound(s)));
  await onServer("agent-runs-fanout", ["--max-joiners-per-run", "5000", "--max-joiners-per-user", "5000"], async (s) => void (await fanOut(s)));
  await onServer("agent-runs-enqueue", [], async (s) => void (await enqueueSeries(s)));
  for (const bound of cfg.memory.boundsMiB) {
    await onServer(`agent-runs-bytes-${bound}MiB`, ["--memory-max-bytes", String(bound * MIB)], async (s) => void B().memory.push(await memorySeries(s, bound)));
  }
  await onServer("agent-runs-checkpoints-50", [], async (s) => void B().turns.push(await turnsSeries(s, "default bound (50 per thread)", 50)));
  if (cfg.turns.unbounded) {
    // The contrast: the bound raised out of reach (and the byte bound with it, so the thread's runs are not evicted).
    await onServer("agent-runs-checkpoints-unbounded", ["--memory-max-checkpoints-per-thread", String(UNBOUNDED_CHECKPOINTS), "--memory-max-bytes", String(4096 * MIB)], async (s) =>
      void B().turns.push(await turnsSeries(s, `bound raised to ${fmt(UNBOUNDED_CHECKPOINTS)} (as before the fix)`, null)),
    );
  }
}

/** Quick mode: one server for everything (items 12 and 13 first, while its small byte bound still holds their runs). */
async function quickRun(): Promise<void> {
  const bound = S.hardeningBounds.memory.boundsMiB[0]!;
  await onServer("agent-runs-bounds", ["--memory-max-bytes", String(bound * MIB), "--max-joiners-per-run", "5000", "--max-joiners-per-user", "5000"], async (s) => {
    await notFound(s);
    await fanOut(s);
    await enqueueSeries(s);
    B().memory.push(await memorySeries(s, bound));
    B().turns.push(await turnsSeries(s, "default bound (50 per thread)", 50));
  });
}

export async function hardeningBounds(): Promise<void> {
  B();
  log(`   bounds (items 4, 12, 13): servers with two API-key users and the store probe`);
  try {
    await (QUICK ? quickRun() : fullRun());
  } finally {
    removeAuthFile();
  }
  // Each part went on after a failed one; the section still fails.
  if (B().errors.length) throw new Error(`bounds: ${B().errors.length} part(s) failed: ${B().errors.join("; ").slice(0, 400)}`);
}
