// Section 9's bounds part, items 12 and 13 (see hardening-bounds.ts): GetRun of another user's run
// with a big input against an id that never existed (both NOT_FOUND), JoinRun fan-out on one
// finished run, and enqueues on one thread held by a sleeping run. Server CPU from /proc: schedstat
// (ns) for the per-request figures, the process group's ticks for the fan-out.
import { randomUUID } from "node:crypto";
import { Http2SessionManager } from "@connectrpc/connect-node";
import { CancelAction, MultitaskStrategy, OnDisconnect, RunStatus, StreamMode } from "../../gen/agentruns/v1/runs_pb.js";
import { fmt, median, sleep } from "../lib.js";
import { log, S } from "../harness/config.js";
import { statusKb } from "../harness/processes.js";
import type { Server } from "../harness/server.js";
import { B, clientOf, cpuNs, errorCode, MiB, sessionClient, within, type EnqueueResult, type FanOutResult, type NotFoundSeries, type RunsClient } from "./hardening-client.js";

/** Item 12: bob's GetRuns of alice's run (its input ~`inputBytes`) and of ids that never existed, in alternating blocks. */
export async function notFound(server: Server): Promise<NotFoundSeries[]> {
  const { requests, block, warmup, inputBytes } = S.hardeningBounds.notFound;
  const alice = clientOf(server, "alice");
  const bob = clientOf(server, "bob");
  try {
    const done = await alice.c.waitRun({ run: { assistantId: "echo", input: { value: "x".repeat(inputBytes) }, onDisconnect: OnDisconnect.CANCEL } }, { timeoutMs: 60_000 });
    const runId = done.run!.runId;
    B().notFoundInputBytes = inputBytes;
    const series: NotFoundSeries[] = [
      { kind: "another user's run", ms: [], cpuNs: 0, perCallNs: [], codes: {} },
      { kind: "an id that never existed", ms: [], cpuNs: 0, perCallNs: [], codes: {} },
    ];
    const ids = [() => runId, () => randomUUID()];
    const once = async (i: 0 | 1, record: boolean) => {
      const runId = ids[i]!();
      const cpu0 = cpuNs(server.pid);
      const t = performance.now();
      let code = "OK";
      await bob.c.getRun({ runId }, { timeoutMs: 10_000 }).catch((error: unknown) => (code = errorCode(error)));
      const ms = performance.now() - t;
      const cpu = cpuNs(server.pid) - cpu0;
      if (!record) return;
      series[i]!.ms.push(ms);
      series[i]!.perCallNs.push(cpu);
      series[i]!.codes[code] = (series[i]!.codes[code] ?? 0) + 1;
    };
    for (let n = 0; n < warmup; n++) for (const i of [0, 1] as const) await once(i, false);
    for (let done = 0; done < requests; done += block) {
      for (const i of [0, 1] as const) {
        const cpu0 = cpuNs(server.pid);
        for (let n = 0; n < Math.min(block, requests - done); n++) await once(i, true);
        series[i]!.cpuNs += cpuNs(server.pid) - cpu0;
      }
    }
    // The run was there all along: its owner still reads it.
    const still = await alice.c.getRun({ runId });
    if (still.run?.runId !== runId) throw new Error("alice's run is gone: the NOT_FOUND figures are not another user's run");
    for (const s of series) {
      log(`   GetRun of ${s.kind}: p50 ${fmt(median(s.ms), 3)} ms, server ${fmt(s.cpuNs / 1000 / s.ms.length)} µs CPU per request (blocks), p50 ${fmt(median(s.perCallNs) / 1000)} µs (each alone), ${JSON.stringify(s.codes)}`);
    }
    B().notFound.push(...series);
    return series;
  } finally {
    alice.close();
    bob.close();
  }
}

/** One JoinRun read to its end: the events it got. */
async function joinToEnd(c: RunsClient, runId: string, signal: AbortSignal): Promise<number> {
  let events = 0;
  for await (const res of c.joinRun({ runId }, { signal })) {
    if (res.payload.case !== "event") continue;
    events++;
    if (res.payload.value.kind.case === "end") break;
  }
  return events;
}

/** Samples the server's VmRSS every 20 ms until `stop` is called; `stop` resolves with the peak, KiB. */
function rssPeak(server: Server): { stop: () => Promise<number> } {
  let peakKb = statusKb(server.pid, "VmRSS");
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peakKb = Math.max(peakKb, statusKb(server.pid, "VmRSS"));
      await sleep(20);
    }
  })();
  return { stop: async () => ((sampling = false), await sampler, peakKb) };
}

/** `joiners` JoinRuns at once, 250 per HTTP/2 connection: the events each got (-1: an error, counted by code). */
async function joinAll(server: Server, runId: string, joiners: number, signal: AbortSignal, errors: Record<string, number>): Promise<number[]> {
  const sessions = Array.from({ length: Math.ceil(joiners / 250) }, () => new Http2SessionManager(server.url));
  const clients = sessions.map((sessionManager) => sessionClient(server, "alice", sessionManager));
  try {
    return await Promise.all(
      Array.from({ length: joiners }, (_, i) =>
        joinToEnd(clients[Math.floor(i / 250)]!, runId, signal).catch((error: unknown) => {
          errors[errorCode(error)] = (errors[errorCode(error)] ?? 0) + 1;
          return -1;
        }),
      ),
    );
  } finally {
    for (const s of sessions) s.abort();
  }
}

/** Item 13: `joiners` JoinRuns at once (one user) on one finished run of the demo's `events` custom events (stream mode CUSTOM: stored with the run). */
export async function fanOut(server: Server): Promise<FanOutResult> {
  const { joiners, events, budgetMs } = S.hardeningBounds.fanOut;
  const alice = clientOf(server, "alice");
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), budgetMs);
  try {
    const run = { assistantId: "demo", input: { messages: [{ role: "user", content: "count these words" }] }, context: { custom_events: events }, streamMode: [StreamMode.CUSTOM], onDisconnect: OnDisconnect.CANCEL };
    const runId = (await alice.c.waitRun({ run }, { timeoutMs: 60_000 })).run!.runId;
    const eventsPerRun = await joinToEnd(alice.c, runId, abort.signal); // also warms the path
    const start = await server.probe("gc");
    const hwmBefore = statusKb(server.pid, "VmHWM");
    const peak = rssPeak(server);
    const errors: Record<string, number> = {};
    const cpu0 = server.cpuSeconds();
    const t0 = performance.now();
    const got = await joinAll(server, runId, joiners, abort.signal, errors);
    const wallS = (performance.now() - t0) / 1000;
    const serverCpuS = server.cpuSeconds() - cpu0;
    const r: FanOutResult = {
      joiners,
      eventsPerRun,
      completed: got.filter((n) => n === eventsPerRun).length,
      eventsDelivered: got.filter((n) => n > 0).reduce((a, b) => a + b, 0),
      errors,
      wallS,
      serverCpuS,
      startRssMiB: MiB(start.rss)!,
      peakRssMiB: (await peak.stop()) / 1024,
      hwmBeforeMiB: hwmBefore / 1024,
      hwmAfterMiB: statusKb(server.pid, "VmHWM") / 1024,
    };
    log(`   ${fmt(joiners)} JoinRuns of a finished ${eventsPerRun}-event run: ${r.completed} read to the end in ${fmt(wallS, 2)} s, server ${fmt(serverCpuS, 2)} CPU-s, RSS ${fmt(r.startRssMiB)} → peak ${fmt(r.peakRssMiB)} MiB${Object.keys(errors).length ? `, errors ${JSON.stringify(errors)}` : ""}`);
    B().fanOut = r;
    return r;
  } finally {
    clearTimeout(timer);
    abort.abort();
    alice.close();
  }
}

/** StreamRun until its metadata event (the run is created and queued), then leaves it (on_disconnect continue): the run id. */
async function createAndLeave(c: RunsClient, run: Parameters<RunsClient["streamRun"]>[0]["run"]): Promise<string> {
  const abort = new AbortController();
  try {
    for await (const res of c.streamRun({ run }, { signal: abort.signal, timeoutMs: 30_000 })) {
      if (res.payload.case === "event" && res.payload.value.kind.case === "metadata") return res.payload.value.kind.value.runId;
    }
    throw new Error("StreamRun ended without a metadata event");
  } finally {
    abort.abort();
  }
}

/** A holder asleep on a fresh thread, then `count` enqueues on it in blocks of `block`; every run is cancelled after. */
async function queueOn(server: Server, c: RunsClient, count: number, block: number, budgetMs: number, r: EnqueueResult): Promise<void> {
  const threadId = randomUUID();
  // 120,000 ms: the demo's cap per node; the holder sleeps in each of its nodes, the queued runs would too.
  const run = (multitask: MultitaskStrategy) => ({ assistantId: "demo", threadId, input: { messages: [{ role: "user", content: "count these words" }] }, context: { delay_ms: 120_000 }, multitaskStrategy: multitask, onDisconnect: OnDisconnect.CONTINUE });
  const ids: string[] = [];
  try {
    const holder = await createAndLeave(c, run(MultitaskStrategy.REJECT));
    ids.push(holder);
    const t0 = performance.now();
    for (let i = 0; i < count; i += block) {
      if (performance.now() - t0 > budgetMs) {
        r.stoppedBy = `the ${fmt(budgetMs / 1000)} s budget, after ${i} creates`;
        break;
      }
      const cpu0 = cpuNs(server.pid);
      for (let n = 0; n < Math.min(block, count - i); n++) {
        const t = performance.now();
        ids.push(await createAndLeave(c, run(MultitaskStrategy.ENQUEUE)));
        r.ms.push(performance.now() - t);
      }
      r.blockCpuNs.push(cpuNs(server.pid) - cpu0);
    }
    const holderNow = await c.getRun({ runId: holder });
    if (holderNow.run?.status !== RunStatus.RUNNING) r.stoppedBy = `the holder was ${RunStatus[holderNow.run?.status ?? 0]} at the end, not RUNNING: the runs did not all stay queued`;
  } finally {
    // Newest first, the holder last, so nothing queued starts in between.
    const c0 = performance.now();
    const cancelAll = (async () => {
      for (const runId of ids.reverse()) {
        if (await c.cancelRun({ runId, action: CancelAction.INTERRUPT }, { timeoutMs: 10_000 }).then(() => true, () => false)) r.cancelled++;
      }
    })();
    await within(cancelAll, 120_000, "cancelling the queued runs").catch((error: unknown) => B().errors.push(String(error)));
    r.cancelS = (performance.now() - c0) / 1000;
  }
}

/** Item 13: `count` enqueues (multitask ENQUEUE) on one thread held by a run asleep in the demo's first node, after `warmup` on another thread, unrecorded. */
export async function enqueueSeries(server: Server): Promise<EnqueueResult> {
  const { count, block, budgetMs, warmup } = S.hardeningBounds.enqueue;
  const { c, close } = clientOf(server, "alice");
  const r: EnqueueResult = { asked: count, created: 0, ms: [], blockCpuNs: [], block, cancelled: 0, cancelS: NaN, stoppedBy: null };
  try {
    await queueOn(server, c, warmup, warmup, budgetMs, { ...r, ms: [], blockCpuNs: [] });
    await queueOn(server, c, count, block, budgetMs, r);
    r.created = r.ms.length;
  } finally {
    close();
  }
  const first = r.ms.slice(0, block);
  const last = r.ms.slice(-block);
  log(`   ${r.created} enqueues on one thread: create p50 ${fmt(median(first), 2)} ms (first ${first.length}) vs ${fmt(median(last), 2)} ms (last ${last.length}); server ${fmt((r.blockCpuNs[0] ?? NaN) / 1000 / first.length)} vs ${fmt((r.blockCpuNs.at(-1) ?? NaN) / 1000 / last.length)} µs CPU per create; ${r.cancelled} cancelled in ${fmt(r.cancelS, 2)} s${r.stoppedBy ? `; stopped by ${r.stoppedBy}` : ""}`);
  B().enqueue = r;
  return r;
}
