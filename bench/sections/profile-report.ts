// Section 7, the report: where the server spends its time, and what one run and one streamed
// event cost next to the ceilings, by who spends it.
import { fmt } from "../lib.js";
import { CATEGORIES, type Category, type ProfileSummary } from "../profile.js";
import { QUICK, S } from "../harness/config.js";
import { table } from "../harness/markdown.js";
import { R, type ProfiledCeilings, type ProfiledLoop } from "../harness/results.js";
import { PROFILED_BURSTS } from "./profile.js";

/**
 * Profile samples are wall-clock: a thread the OS preempted (two cores shared by
 * server, load generator and GC threads) is charged for the time it waited.
 * Scaling the busy samples to the thread's measured CPU time removes that.
 */
function cpuScale(loop: ProfiledLoop): number {
  return loop.mainThreadCpuMs !== null && loop.summary.busyMs > 0 ? loop.mainThreadCpuMs / loop.summary.busyMs : 1;
}

/** CPU ms per request on the main thread of one profiled loop, by category. */
function perRequest(loop: ProfiledLoop): Map<Category, number> {
  return new Map(loop.summary.byCategory.map((c) => [c.category, loop.completed ? (c.selfMs * cpuScale(loop)) / loop.completed : NaN]));
}

/** What one WaitRun costs beyond one echo call and one invoke, ms, by category. */
function addedByService(c: ProfiledCeilings): Map<Category, number> {
  const [wait, echo, invoke] = [perRequest(c.wait), perRequest(c.echo), perRequest(c.invoke)];
  return new Map(CATEGORIES.map((k) => [k, wait.get(k)! - echo.get(k)! - invoke.get(k)!]));
}

/** Main-thread busy time per request, ms, scaled as cpuScale says. */
function busy(loop: ProfiledLoop): number {
  return (loop.summary.busyMs * cpuScale(loop)) / loop.completed;
}

export function profileHeadline(): string[] {
  if (!R.profileCeilings) return [];
  const ours = perRequest(R.profileCeilings.wait).get("agent-runs (src/, gen/)")!;
  const added = addedByService(R.profileCeilings);
  return [
    `- Of one WaitRun's main-thread CPU (profiled, section 7), agent-runs' own code takes **${fmt(ours, 2)} ms**; on top of an echo call and an invoke, LangGraph spends ${fmt(added.get("LangGraph.js + LangChain + LangSmith")!, 2)} ms more inside the service than in the bare invoke and connect/protobuf ${fmt(added.get("RPC stack (connect-es, protobuf-es)")!, 2)} ms more than for an empty echo.`,
  ];
}

/**
 * What one WaitRun costs on the server's main thread, split by who spends it,
 * next to the same split for an echo call and an in-process invoke; the last
 * column is what the service adds, category by category.
 */
function profileCostLines(c: ProfiledCeilings): string[] {
  const wait = perRequest(c.wait);
  const echo = perRequest(c.echo);
  const invoke = perRequest(c.invoke);
  const added = addedByService(c);
  const ms = (x: number) => fmt(x, 3);
  const ours = wait.get("agent-runs (src/, gen/)")!;
  const rows = CATEGORIES.map((k) => [k, ms(wait.get(k)!), ms(echo.get(k)!), ms(invoke.get(k)!), ms(added.get(k)!)]);
  rows.push(["**all (main thread busy)**", ms(busy(c.wait)), ms(busy(c.echo)), ms(busy(c.invoke)), ms(busy(c.wait) - busy(c.echo) - busy(c.invoke))]);
  return [
    `### What one run costs, by who spends it`,
    ``,
    `The same gRPC x16 load shape, warm-up and window, profiled three times: this agent-runs server per WaitRun (${fmt(c.wait.completed)} runs in the window), the bare echo server per unary call (${fmt(c.echo.completed)} calls) and the in-process \`graph.invoke\` ceiling in a load process of its own (${fmt(c.invoke.completed)} invokes). Main thread only: each profile's busy samples are scaled to the main thread's CPU time measured in \`/proc\` over the window (scale ${fmt(cpuScale(c.wait), 2)} / ${fmt(cpuScale(c.echo), 2)} / ${fmt(cpuScale(c.invoke), 2)}), because samples are wall-clock and a preempted thread is charged for its wait; GC helper threads are not in it, so totals differ from the CPU table in section 2. Time in Node.js internals and V8 builtins is charged to the nearest package frame above it — LangSmith's UUIDs, LangChain's async-local-storage hooks, connect's per-call abort signal — so what stays "Node.js core on its own" is socket, HTTP/2 and timer work with no package on the stack.`,
    ``,
    table(["spent by", "WaitRun ms / run", "echo ms / call", "invoke ms / invoke", "WaitRun − echo − invoke"], rows),
    ``,
    `agent-runs' own code (handlers, validation, runtime, stores, interceptors, and what it calls in Node.js) costs **${fmt(ours, 3)} ms per run** (${fmt((100 * ours) / busy(c.wait), 1)}% of the run's main-thread time). The rest of what the service adds is work it asks of its dependencies: LangGraph running the graph as a stream with the runtime's config (plus reading the checkpoint before and the state after), connect-es and protobuf-es encoding a run and its values instead of an empty echo, and the garbage that all of it leaves.`,
    ``,
  ];
}

/** What one streamed custom event costs in a burst: agent-runs' StreamRun next to the echo server's, by who spends it. */
function streamCostLines(c: ProfiledCeilings): string[] {
  const ours = perRequest(c.stream);
  const echo = perRequest(c.echoStream);
  const us = (x: number) => fmt(x * 1000, 2);
  const rows = CATEGORIES.map((k) => [k, us(ours.get(k)!), us(echo.get(k)!), us(ours.get(k)! - echo.get(k)!)]);
  rows.push(["**all (main thread busy)**", us(busy(c.stream)), us(busy(c.echoStream)), us(busy(c.stream) - busy(c.echoStream))]);
  return [
    `Per custom event, µs of main-thread CPU (scaled as above: ${fmt(cpuScale(c.stream), 2)} / ${fmt(cpuScale(c.echoStream), 2)}), next to the bare echo server streaming the same ${fmt(PROFILED_BURSTS * S.burst)} events as fast as its socket takes them. The LangGraph row is the graph writing its events, which the echo server does not run; the rest of the difference is the run's event path — stored rows, the in-memory tail, conversion, and the generator layers between the run and connect.`,
    ``,
    table(["spent by", "StreamRun µs / event", "echo stream µs / event", "difference"], rows),
    ``,
  ];
}

const packages = (pr: ProfileSummary, n: number) => table(["package / folder", "self ms", "self %"], pr.byPackage.slice(0, n).map((r) => [r.name, fmt(r.selfMs), fmt(r.selfPct, 1)]));
const functions = (pr: ProfileSummary) => table(["function", "where", "self ms", "self %"], pr.topFunctions.map((r) => [`\`${r.name}\``, r.where ? `\`${r.where}\`` : "", fmt(r.selfMs), fmt(r.selfPct, 1)]));
const callers = (pr: ProfileSummary) => table(["function", "called from", "share"], pr.callers.map((c) => [`\`${c.name}\``, c.path.map((f) => `\`${f}\``).join(" ← "), `${fmt(c.pathPct)}%`]));

function waitProfileLines(): string[] {
  if (!R.profile) return [QUICK ? `Skipped in quick mode.` : `Not available (see "Errors").`];
  const pr = R.profile as ProfileSummary & { throughput?: number };
  return [
    `\`node --cpu-prof\` on a separate agent-runs server during WaitRun, gRPC, 16 clients (${fmt(pr.throughput)} runs/s while profiled). ${pr.windowed ? `Only samples inside the ${fmt(pr.windowMs / 1000)} s load window (marked through the probe)` : "Whole process lifetime (window marks did not line up)"}: the server was busy ${fmt(pr.busyFraction * 100)}% of one core. Self time, share of busy samples. Profile: \`${pr.file}\` (scratch, not committed).`,
    ``,
    ...(R.profileCeilings ? profileCostLines(R.profileCeilings) : []),
    `By package:`,
    ``,
    packages(pr, 15),
    ``,
    `Top functions:`,
    ``,
    functions(pr),
    ``,
    `Who calls the hottest named functions (their heaviest call path, nearest caller first, and its share of the function's self time):`,
    ``,
    callers(pr),
  ];
}

function streamProfileLines(): string[] {
  const ps = R.profileStream;
  if (!ps) return [];
  return [
    ``,
    `### The same server during StreamRun bursts (${PROFILED_BURSTS} × ${fmt(S.burst)} custom events, one stream at a time)`,
    ``,
    `${ps.windowed ? `Window ${fmt(ps.windowMs)} ms` : "Whole run"}, server busy ${fmt(ps.busyFraction * 100)}% of one core.`,
    ``,
    ...(R.profileCeilings ? streamCostLines(R.profileCeilings) : []),
    packages(ps, 10),
    ``,
    functions(ps),
    ``,
    callers(ps),
  ];
}

export function profileReport(): string[] {
  return [`## 7. Where the server spends its time (CPU profile)`, ``, ...waitProfileLines(), ...streamProfileLines(), ``];
}
