// Running a section or a measured loop: waiting for a quiet machine, accounting the machine's load
// per section, recording a failed section and going on.
import { fmt, sleep, type LoopResult, type Task } from "../lib.js";
import { log, QUICK } from "./config.js";
import { cpuAccount } from "./processes.js";
import { R, type Sample } from "./results.js";
import type { Server } from "./server.js";
import type { Worker } from "./worker.js";

/** Other processes using more than this many cores during a section make its numbers suspect. */
export const OTHER_LOAD_WARN = 0.15;

export const quietStats = { checks: 0, waitedMs: 0, gaveUp: 0 };

/**
 * Waits until other processes leave the machine alone (under OTHER_LOAD_WARN cores over a
 * 400 ms sample), at most `maxMs`; this machine may be shared with a test suite.
 */
export async function quiet(maxMs = 90_000): Promise<void> {
  if (QUICK) return; // a smoke check does not wait
  quietStats.checks++;
  const start = Date.now();
  let announced = false;
  for (;;) {
    const a0 = cpuAccount();
    await sleep(400);
    const a1 = cpuAccount();
    const other = (a1.busy - a0.busy - (a1.ours - a0.ours)) / 0.4;
    if (other < OTHER_LOAD_WARN) break;
    if (Date.now() - start >= maxMs) {
      if (maxMs > 0) {
        quietStats.gaveUp++;
        log(`   (other processes still busy after ${fmt(maxMs / 1000)} s: measuring anyway)`);
      }
      break;
    }
    if (!announced) {
      log(`   (waiting for other processes to go quiet: ${fmt(other, 2)} cores busy)`);
      announced = true;
    }
  }
  quietStats.waitedMs += Date.now() - start;
}

/** Runs one section: a failure is recorded in R.errors (and the run goes on), the machine's load in R.load. */
export async function section(name: string, fn: () => Promise<void>): Promise<void> {
  log(`== ${name}`);
  await quiet();
  const a0 = cpuAccount();
  const t0 = performance.now();
  try {
    await fn();
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`!! ${name} failed: ${text.split("\n")[0]}`);
    R.errors.push({ section: name, error: text.slice(0, 4000) });
  } finally {
    const a1 = cpuAccount();
    const wallSec = (performance.now() - t0) / 1000;
    const machineCores = (a1.busy - a0.busy) / wallSec;
    const benchCores = (a1.ours - a0.ours) / wallSec;
    const otherCores = Math.max(0, machineCores - benchCores);
    R.load.push({ section: name, wallSec, machineCores, benchCores, otherCores });
    if (otherCores > OTHER_LOAD_WARN) log(`   WARNING: other processes used ${fmt(otherCores, 2)} cores during this section; its numbers are suspect`);
  }
}

export async function loopOn(worker: Worker, server: Server | null, task: Task): Promise<Sample> {
  await quiet();
  const cpu0 = server?.cpuSeconds() ?? 0;
  const t0 = performance.now();
  const result = await worker.run<LoopResult>(task);
  const wall = (performance.now() - t0) / 1000;
  // Server CPU over the whole task (warm-up included), in cores.
  const serverCpu = server ? (server.cpuSeconds() - cpu0) / wall : null;
  return { ...result, serverCpu };
}

export function describeLoop(label: string, r: Sample): void {
  log(
    `   ${label}: ${fmt(r.throughput)}/s p50 ${fmt(r.latency.p50, 2)} ms p99 ${fmt(r.latency.p99, 2)} ms` +
      (r.serverCpu !== null ? ` server ${fmt(r.serverCpu, 2)} cores` : "") +
      ` client ${fmt(r.clientCpu, 2)}` +
      (r.errors ? ` errors ${r.errors} (${r.firstError})` : ""),
  );
}
