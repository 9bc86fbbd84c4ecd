// Rolling restarts lose no run (issue 20): two replicas on one MongoDB, 20
// runs of a multi-step graph in flight, A restarted, then B (SIGTERM, start
// again). A draining replica lets each run reach its next superstep boundary
// and hands it back; another replica resumes it from LangGraph's checkpoint
// under the same run id. Every run ends SUCCESS with each of its steps run
// once, each message stored once, and readers that follow a run through the
// restarts (rejoining with their last event id wherever a replica is up)
// see one stream: ids increasing, no custom event lost or repeated, `end` once.
import { randomUUID } from "node:crypto";
import { afterAll, describe, expect, inject, it } from "vitest";
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { RunsService, RunStatus, StreamMode, type RunEvent } from "../gen/agentruns/v1/runs_pb.js";
import { expectStrictlyIncreasing } from "./helpers/events.js";
import { frames, type Frame } from "./helpers/http-api.js";
import { spawnService, type ServiceProcess } from "./helpers/process.js";
import { userInput, type RunsClient } from "./helpers/server.js";

const RUNS = 20;
// 15 s a run: still under way when B stops, however long A takes to start again on a loaded machine.
const STEPS = 60;
const STEP_MS = 250;
const database = `rolling_${randomUUID().slice(0, 8)}`;
// A lease long enough that renewals outlast mongo-java-server's slow scans under this load (a hand-back is picked up at the next tick, at most 1 s, whatever the lease).
const args = ["--mongodb-uri", inject("mongodbUri"), "--mongodb-database", database, "--lease-ms", "5000", "--drain-ms", "8000"];
const spawn = () => spawnService([...args, "--graphs", "test/fixtures/rolling-graphs/langgraph.json"]);
const clientFor = (url: string): RunsClient => createClient(RunsService, createConnectTransport({ baseUrl: url, httpVersion: "1.1" }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The replicas by name; a restart swaps the process (and its port). */
const replicas = new Map<"a" | "b", ServiceProcess>();
afterAll(async () => {
  await Promise.all([...replicas.values()].map((r) => r.stop()));
});

/**
 * Reads a run to its end from whichever replica is up, starting on `first`: `read` streams from one
 * replica and says whether it reached `end`; a stream that breaks or ends early (its replica
 * stopped) is read again on the other replica, from where it stopped. Returns how often it rejoined.
 */
async function acrossReplicas(runId: string, first: "a" | "b", read: (url: string) => Promise<boolean>): Promise<number> {
  let name = first;
  for (let rejoins = 0; rejoins < 100; rejoins++) {
    const replica = replicas.get(name);
    name = name === "a" ? "b" : "a";
    if (!replica || replica.child.exitCode !== null) {
      await sleep(100);
      continue;
    }
    // A stream cut mid-way throws: rejoin the other replica.
    if (await read(replica.url).catch(() => false)) return rejoins;
  }
  throw new Error(`run ${runId} never ended`);
}

/** A run's events through JoinRun, rejoining with the last event id it saw. */
async function follow(runId: string, first: "a" | "b"): Promise<{ events: RunEvent[]; rejoins: number }> {
  const events: RunEvent[] = [];
  let gaps = 0;
  const rejoins = await acrossReplicas(runId, first, async (url) => {
    const last = events.at(-1)?.eventId;
    for await (const response of clientFor(url).joinRun({ runId, ...(last !== undefined && { lastEventId: last }) })) {
      if (response.payload.case === "gap") gaps++;
      if (response.payload.case !== "event") continue;
      events.push(response.payload.value);
      if (response.payload.value.kind.case === "end") return true;
    }
    return false;
  });
  // Counted, not asserted in the read: a failed expect there would read as a cut stream.
  expect(gaps, "no gap: every event is still stored").toBe(0);
  return { events, rejoins };
}

/** The same through the LangGraph HTTP API: its SSE stream, resumed with Last-Event-ID. */
async function followHttp(run: { runId: string; threadId: string }, first: "a" | "b"): Promise<Frame[]> {
  const got: Frame[] = [];
  await acrossReplicas(run.runId, first, async (url) => {
    const last = got.at(-1)?.id;
    const res = await fetch(`${url}/threads/${run.threadId}/runs/${run.runId}/stream`, { headers: last ? { "last-event-id": last } : {} });
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body!) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      const complete = buffer.slice(0, buffer.lastIndexOf("\n\n") + 2);
      buffer = buffer.slice(complete.length);
      for (const frame of frames(complete)) {
        got.push(frame);
        if (frame.event === "end") return true;
      }
    }
    return false;
  });
  return got;
}

async function restart(name: "a" | "b"): Promise<string> {
  const old = replicas.get(name)!;
  const code = await old.stop("SIGTERM");
  expect(code, `${name} exits 0 after its drain`).toBe(0);
  replicas.set(name, await spawn());
  return old.logs();
}

describe("a rolling restart of two replicas on one MongoDB", () => {
  it("hands runs back at a superstep boundary and resumes them elsewhere: all succeed, every step and message once, one stream each", async () => {
    const [a, b] = await Promise.all([spawn(), spawn()]);
    replicas.set("a", a).set("b", b);
    const created = await Promise.all(
      Array.from({ length: RUNS }, async (_, i) => {
        const { run } = await clientFor((i % 2 ? b : a).url).createRun({
          run: { assistantId: "steps", input: userInput(`run ${i}`), context: { steps: STEPS, step_ms: STEP_MS }, config: { recursion_limit: STEPS + 10 }, streamMode: [StreamMode.CUSTOM, StreamMode.VALUES] },
        });
        return run!;
      }),
    );
    // Two readers per run, one starting on each replica.
    const readers = created.flatMap((run) => [follow(run.runId, "a"), follow(run.runId, "b")]);
    const httpReaders = created.slice(0, 4).map((run) => followHttp(run, "a"));
    await sleep(1_000);
    const logsA = await restart("a");
    await sleep(500);
    const logsB = await restart("b");

    const followed = await Promise.all(readers);
    for (const got of await Promise.all(httpReaders)) {
      const ids = got.flatMap((f) => (f.id === undefined ? [] : [BigInt(f.id)]));
      expectStrictlyIncreasing(ids);
      expect(got.filter((f) => f.event === "custom").map((f) => (f.data as { step: number }).step), "HTTP stream: each step once").toEqual(Array.from({ length: STEPS }, (_, s) => s + 1));
      expect(got.filter((f) => f.event === "end")).toHaveLength(1);
      expect(got.at(-1)?.data).toMatchObject({ status: "success" });
    }
    const client = clientFor(replicas.get("a")!.url);
    for (const [i, run] of created.entries()) {
      const done = await client.awaitRun({ runId: run.runId });
      expect(done.run?.status, `run ${i}`).toBe(RunStatus.SUCCESS);
      expect(done.values, `run ${i}'s state`).toMatchObject({ done: STEPS });
      const { messages } = await client.listRunMessages({ runId: run.runId, limit: 200 });
      const texts = messages.map((m) => (m.message as { content?: unknown } | undefined)?.content);
      expect(texts, `run ${i}'s messages, each stored once`).toEqual([`run ${i}`, ...Array.from({ length: STEPS }, (_, s) => `step ${s + 1}`)]);
      for (const reader of followed.slice(2 * i, 2 * i + 2)) expectOneStream(reader.events);
    }
    // The restarts did hand runs over (else this test shows nothing): both replicas drained some.
    expect(countOf(logsA, "handed back to be resumed"), "runs A handed back").toBeGreaterThan(0);
    expect(countOf(logsB, "handed back to be resumed"), "runs B handed back").toBeGreaterThan(0);
    expect(followed.some((r) => r.rejoins > 0), "some reader had to rejoin").toBe(true);
  }, 120_000);
});

/** One stream of a run: metadata first, ids increasing, each step's custom event once in order, `end` SUCCESS once, last. */
function expectOneStream(events: RunEvent[]): void {
  expectStrictlyIncreasing(events.map((e) => e.eventId));
  expect(events[0]?.kind.case).toBe("metadata");
  const steps = events.flatMap((e) => (e.kind.case === "part" && e.kind.value.mode === StreamMode.CUSTOM ? [(toJson(ValueSchema, e.kind.value.data!) as { step: number }).step] : []));
  expect(steps).toEqual(Array.from({ length: STEPS }, (_, s) => s + 1));
  const values = events.flatMap((e) => (e.kind.case === "part" && e.kind.value.mode === StreamMode.VALUES ? [(toJson(ValueSchema, e.kind.value.data!) as { done: number }).done] : []));
  // LangGraph streams the input's state, then one state per step: a resumption repeats none.
  expect(values).toEqual(Array.from({ length: STEPS + 1 }, (_, s) => s));
  const ends = events.filter((e) => e.kind.case === "end");
  expect(ends).toHaveLength(1);
  expect(events.at(-1)?.kind.case === "end" && events.at(-1)?.kind.value).toMatchObject({ status: RunStatus.SUCCESS });
}

function countOf(logs: string, text: string): number {
  return logs.split("\n").filter((line) => line.includes(text)).length;
}
