// Child processes: every child is tracked by pid and ended on exit (only those this run started);
// CPU and memory read from /proc.
import type { ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { sleep, statFields } from "../lib.js";

export const children = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // spawned detached: its own process group
  } catch {
    try {
      child.kill(signal);
    } catch {
      // gone
    }
  }
}

export function cleanup(): void {
  for (const child of children) killGroup(child, "SIGKILL");
}
process.on("exit", cleanup);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    cleanup();
    process.exit(130);
  });
}

export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once("exit", () => r()));
}

export async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  killGroup(child, "SIGTERM");
  const timedOut = await Promise.race([exited(child).then(() => false), sleep(graceMs).then(() => true)]);
  if (timedOut) {
    killGroup(child, "SIGKILL");
    await exited(child);
  }
  children.delete(child);
}

/** CPU seconds (user + system) of every process in a process group. */
export function groupCpuSeconds(pgid: number): number {
  const ticks = 100; // USER_HZ on Linux
  let total = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(entry);
    // fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
    if (!fields || Number(fields[2]) !== pgid) continue;
    total += (Number(fields[11]) + Number(fields[12])) / ticks;
  }
  return total;
}

const OWN_PGID = Number(statFields("self")?.[2] ?? NaN);

/**
 * CPU seconds the whole machine spent busy, and the part that was this bench's: every live
 * process in this process's group or in the group of a child it spawned, with the time of its
 * reaped children (so a server that exits mid-way keeps counting).
 */
export function cpuAccount(): { busy: number; ours: number } {
  const ticks = 100;
  const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal. Interrupt time (loopback packets are
  // processed in softirq) is charged to no process, so it is left out of both sides.
  const busy = ((line[0] ?? 0) + (line[1] ?? 0) + (line[2] ?? 0) + (line[7] ?? 0)) / ticks;
  const groups = new Set<number>([OWN_PGID]);
  for (const child of children) if (child.pid !== undefined) groups.add(child.pid);
  let ours = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const f = statFields(entry);
    if (!f || !groups.has(Number(f[2]))) continue;
    ours += (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / ticks;
  }
  return { busy, ours };
}

export function statusKb(pid: number, key: string): number {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text);
  return match ? Number(match[1]) : NaN;
}
