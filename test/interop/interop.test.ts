// Interop with real polyglot peers: a Python grpcio client and a Go grpc
// client, both built from stubs that buf generates from proto/ (local
// plugins), call StreamRun, ListRunMessages, CreateRun, AwaitRun, ListRuns and
// ThreadsService.GetThreadState over gRPC/h2c against a real server. test/peers/python-go.sh installs them (.ci/run calls it); a missing
// peer fails here with a message saying so, never a skip.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunStatus } from "../../gen/agentruns/v1/runs_pb.js";
import { startTestServer, type TestServer } from "../helpers/server.js";

const exec = promisify(execFile);
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const INSTALL = "run test/peers/python-go.sh (from the repository root) to install the interop peers";

interface Peer {
  name: string;
  /** Files the peer needs; each is produced by test/peers/python-go.sh. */
  needs: string[];
  command: (target: string) => [string, string[]];
  greeting: string;
}

const PEERS: Peer[] = [
  {
    name: "python grpcio",
    needs: [".cache/interop-venv/bin/python", "test/interop/python/gen/agentruns/v1/runs_pb2.py", "test/interop/python/gen/agentruns/v1/runs_pb2_grpc.py"],
    command: (target) => [`${ROOT}.cache/interop-venv/bin/python`, [`${ROOT}test/interop/python/client.py`, target]],
    greeting: "hello from python",
  },
  {
    name: "go grpc",
    needs: [".cache/interop/go-client"],
    command: (target) => [`${ROOT}.cache/interop/go-client`, [target]],
    greeting: "hello from go",
  },
];

interface Line {
  kind: string;
  fields: Record<string, string>;
}

/** `event KIND k=v ...` lines and the one-per-call `NAME k=v ...` lines the peers print. */
function parse(stdout: string): { events: Line[]; messages: Record<string, string> | undefined; calls: Record<string, Record<string, string>> } {
  const lines = stdout
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/));
  const fields = (pairs: string[]) => Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf("=")), p.slice(p.indexOf("=") + 1)]));
  return {
    events: lines.filter((l) => l[0] === "event").map(([, kind, ...rest]) => ({ kind: kind!, fields: fields(rest) })),
    messages: lines.filter((l) => l[0] === "messages").map(([, ...rest]) => fields(rest))[0],
    calls: Object.fromEntries(lines.filter((l) => l[0] !== "event").map(([name, ...rest]) => [name!, fields(rest)])),
  };
}

async function runPeer(peer: Peer, port: number): Promise<string> {
  const missing = peer.needs.filter((path) => !existsSync(ROOT + path));
  if (missing.length > 0) throw new Error(`the ${peer.name} interop peer is not installed (missing ${missing.join(", ")}); ${INSTALL}`);
  const [file, args] = peer.command(`127.0.0.1:${port}`);
  try {
    const { stdout } = await exec(file, args, { cwd: ROOT, timeout: 45_000 });
    return stdout;
  } catch (error) {
    const e = error as { code?: unknown; signal?: unknown; stdout?: string; stderr?: string };
    throw new Error(
      `the ${peer.name} peer failed (exit ${String(e.code)}${e.signal ? `, signal ${String(e.signal)}` : ""})\n` +
        `stdout:\n${e.stdout ?? ""}\nstderr:\n${e.stderr ?? ""}`,
    );
  }
}

// Each peer runs once; both tests read its output.
const outputs = new Map<string, Promise<string>>();
const outputOf = (peer: Peer) => {
  if (!outputs.has(peer.name)) outputs.set(peer.name, runPeer(peer, t.port));
  return outputs.get(peer.name)!;
};

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

describe.each(PEERS)("$name peer (stubs by buf, gRPC over h2c)", (peer) => {
  it("streams a run (metadata first, end last) and lists its last two messages", { timeout: 60_000 }, async () => {
    const { events, messages } = parse(await outputOf(peer));

    expect(events.length).toBeGreaterThanOrEqual(3);
    expect(events[0]!.kind).toBe("metadata");
    expect(events.at(-1)!.kind).toBe("end");
    expect(events.at(-1)!.fields["status"]).toBe("RUN_STATUS_SUCCESS");
    const parts = events.slice(1, -1);
    expect(parts.length).toBeGreaterThan(0);
    for (const part of parts) expect(part).toEqual({ kind: "part", fields: { mode: "STREAM_MODE_UPDATES" } });

    // The demo graph answers one human message with ai (tool call), tool, ai:
    // the last two are the tool result and the answer, with older rows before.
    expect(messages).toEqual({ count: "2", types: "tool,ai", has_more: "true" });

    // The run the peer reported exists, as seen by the TypeScript client.
    const { run_id: runId, thread_id: threadId } = events[0]!.fields;
    expect(runId).toMatch(/\S/);
    const { run } = await t.connectJson.getRun({ runId: runId! });
    expect(run).toMatchObject({ runId, threadId, assistantId: "demo", status: RunStatus.SUCCESS });
    // And its input crossed the wire intact (a google.protobuf.Struct built by the peer).
    const all = await t.connectJson.listRunMessages({ runId: runId!, limit: 200 });
    expect(all.messages.map((m) => m.message?.["type"])).toEqual(["human", "ai", "tool", "ai"]);
    expect(all.messages[0]!.message?.["content"]).toBe(peer.greeting);
  });

  it("starts a background run, awaits it, lists the thread's runs and reads its state", { timeout: 60_000 }, async () => {
    const { events, calls } = parse(await outputOf(peer));
    const { run_id: firstRunId, thread_id: threadId } = events[0]!.fields;
    const { created, awaited, listed, state } = calls;

    // CreateRun answered at once with the run not yet ended; AwaitRun saw it end.
    expect(["RUN_STATUS_PENDING", "RUN_STATUS_RUNNING"]).toContain(created?.["status"]);
    // Two demo turns on one thread: human, ai, tool, ai twice.
    expect(awaited).toEqual({ status: "RUN_STATUS_SUCCESS", values_messages: "8" });
    // ListRuns: newest first, one page.
    expect(listed).toEqual({ count: "2", first: created!["run_id"], second: firstRunId, next_page_token: "" });
    // GetThreadState: the checkpoint after the second run, the graph finished.
    expect(state?.["values_messages"]).toBe("8");
    expect(state?.["next"]).toBe("0");
    const mine = await t.connectJson.threads.getThreadState({ threadId: threadId! });
    expect(state?.["checkpoint"]).toBe(mine.state?.checkpointId);
    expect(state?.["checkpoint"]).toMatch(/\S/);
  });
});
