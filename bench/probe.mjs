// Preloaded into server processes by run.ts (node --import ./bench/probe.mjs):
// on SIGUSR2 it reads a command from $BENCH_PROBE_FILE.cmd ("gc": collect
// garbage first, if node runs with --expose-gc; "mark": just a timestamp) and
// writes process.memoryUsage() plus a CLOCK_MONOTONIC timestamp (µs, the clock
// of V8's CPU profiles) to $BENCH_PROBE_FILE. It changes nothing else.
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
    writeFileSync(`${file}.tmp`, JSON.stringify({ seq: ++seq, command, atUs, ...usage }));
    renameSync(`${file}.tmp`, file);
  });
}
