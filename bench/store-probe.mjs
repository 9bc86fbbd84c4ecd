// Preloaded (`--import`, after tsx) into the agent-runs servers of section 9's bounds part
// (sections/hardening-bounds.ts): it makes what the memory store counts readable through
// bench/probe.mjs, which adds `globalThis.__benchProbeExtra()` to each reading. The server exposes
// neither its byte count nor its checkpoints over the network, so this imports the service's own
// modules (through tsx, the same module instances src/main.ts gets) and patches two prototype
// methods to remember the instances: ByteBudget (src/stores/memory/bytes.ts: the store's byte count,
// checked against --memory-max-bytes) and BoundedMemorySaver (src/stores/memory-saver.ts: the
// checkpoints kept per thread). The patched methods call the originals; nothing else changes.
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const src = (file) => pathToFileURL(join(process.cwd(), "src", file)).href;
const { ByteBudget } = await import(src("stores/memory/bytes.ts"));
const { BoundedMemorySaver } = await import(src("stores/memory-saver.ts"));
const budgets = new Set();
const savers = new Set();

for (const name of ["add", "over"]) {
  const original = ByteBudget.prototype[name];
  ByteBudget.prototype[name] = function patched(...args) {
    budgets.add(this);
    return original.apply(this, args);
  };
}
const put = BoundedMemorySaver.prototype.put;
BoundedMemorySaver.prototype.put = function patchedPut(...args) {
  savers.add(this);
  return put.apply(this, args);
};

/** Checkpoints held: in all, and on the thread that holds the most (summed over its namespaces). */
function checkpoints(saver) {
  let total = 0;
  let maxPerThread = 0;
  let threads = 0;
  for (const namespaces of Object.values(saver.storage ?? {})) {
    let n = 0;
    for (const ids of Object.values(namespaces)) n += Object.keys(ids).length;
    total += n;
    threads++;
    maxPerThread = Math.max(maxPerThread, n);
  }
  return { total, maxPerThread, threads };
}

globalThis.__benchProbeExtra = () => {
  // The store's budget: the one with a finite bound (the memory store's), else the largest.
  const budget = [...budgets].sort((a, b) => Number(Number.isFinite(b.max)) - Number(Number.isFinite(a.max)) || b.total - a.total)[0];
  const saver = [...savers][0];
  const cp = saver ? checkpoints(saver) : null;
  return {
    storeBytes: budget ? budget.total : null,
    storeMaxBytes: budget && Number.isFinite(budget.max) ? budget.max : null,
    runsCounted: budget ? (budget.perRun?.size ?? null) : null,
    checkpointBytes: saver ? saver.bytes : null,
    checkpoints: cp?.total ?? null,
    checkpointsMaxPerThread: cp?.maxPerThread ?? null,
    checkpointThreads: cp?.threads ?? null,
  };
};
