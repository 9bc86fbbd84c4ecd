// Preloaded into server processes by run.ts (node --import ./bench/probe.mjs):
// on SIGUSR2 it reads a command from $BENCH_PROBE_FILE.cmd ("gc": collect
// garbage first, if node runs with --expose-gc; "mark": just a timestamp) and
// writes process.memoryUsage() plus a CLOCK_MONOTONIC timestamp (µs, the clock
// of V8's CPU profiles) to $BENCH_PROBE_FILE, with `extra`: what
// `globalThis.__benchProbeExtra()` returns where another preload defined it
// (bench/store-probe.mjs: the memory store's counts), else null. It changes
// nothing else.
import { readFileSync, renameSync, writeFileSync } from "node:fs";

const file = process.env.BENCH_PROBE_FILE;
let seq = 0;
if (file) {
  process.on("SIGUSR2", () => {
    let command = "mark";
    try {
      command = readFileSync(`${file}.cmd`, "utf8").trim();
    } catch {}
    const atUs = Number(process.hrtime.bigint() / 1000n);
    if (command === "gc" && typeof globalThis.gc === "function") {
      globalThis.gc();
      globalThis.gc();
    }
    const usage = process.memoryUsage();
    const extra = typeof globalThis.__benchProbeExtra === "function" ? globalThis.__benchProbeExtra() : null;
    writeFileSync(`${file}.tmp`, JSON.stringify({ seq: ++seq, command, atUs, ...usage, extra }));
    renameSync(`${file}.tmp`, file);
  });
}
