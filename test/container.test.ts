// The Dockerfile, built and run: a local Node 24 base (test/container/base.sh:
// Debian bookworm minbase + the npm registry's node binary, as no image
// registry is reachable here) passed as NODE_IMAGE, `podman build`, then the
// container on the host's network (loopback): WaitRun and StreamRun over gRPC
// (grpc-js) and Connect, the HEALTHCHECK (grpc.health.v1 over Connect) passing,
// a non-root user and no dev dependencies, and SIGTERM (`podman stop`)
// draining to exit code 0. podman as test/container/podman.sh runs it (root,
// runc, cgroupfs); the base and the build's layers are cached, so a second
// run takes seconds.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { createClient } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunsService, StreamMode } from "../gen/agentruns/v1/runs_pb.js";
import { grpcJsClient, serverStream, unary } from "./helpers/grpc-js.js";
import { transports, userInput } from "./helpers/server.js";
import { freePort } from "./helpers/ports.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const PODMAN = `${REPO}test/container/podman.sh`;
const IMAGE = "localhost/agent-runs:test";
const NAME = `agent-runs-test-${process.pid}`;
const exec = promisify(execFile);

/** podman ARGS; a failure's error carries everything podman printed (a build's step output goes to stdout). */
async function podman(args: string[], timeout = 60_000) {
  try {
    return await exec(PODMAN, args, { cwd: REPO, timeout, maxBuffer: 64 << 20 });
  } catch (error) {
    const { stdout = "", stderr = "" } = error as { stdout?: string; stderr?: string };
    throw new Error(`podman ${args.join(" ")} failed:\n${stdout.slice(-20_000)}\n${stderr.slice(-20_000)}`, { cause: error });
  }
}

async function logs(): Promise<string> {
  const { stdout, stderr } = await podman(["logs", NAME]);
  return stdout + stderr;
}

/** The container's log until `pattern` shows up (or it exits, or 60 s pass). */
async function logsUntil(pattern: RegExp): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const text = await logs();
    if (pattern.test(text)) return text;
    const { stdout: state } = await podman(["inspect", NAME, "--format", "{{.State.Status}}"]);
    if (state.trim() !== "running" || Date.now() > deadline) throw new Error(`container ${state.trim()}, no ${pattern} in its log:\n${text}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

let port: number;
let url: string;
let build = "";

beforeAll(async () => {
  const { stdout: base } = await exec(`${REPO}test/container/base.sh`, [], { cwd: REPO, timeout: 600_000, maxBuffer: 16 << 20 });
  const built = await podman(
    ["build", "--format", "docker", "--network", "host", "--build-arg", `NODE_IMAGE=${base.trim()}`, "-t", IMAGE, "-f", "Dockerfile", "."],
    900_000,
  );
  build = built.stdout + built.stderr;
  await podman(["rm", "--force", "--ignore", NAME]);
  port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // No health timer (podman's needs systemd, absent here): the check runs on demand below.
  await podman(["run", "--detach", "--name", NAME, "--network", "host", "--health-interval", "disable",
    "--env", "HOST=127.0.0.1", "--env", `PORT=${port}`, "--env", "AGENT_RUNS_DRAIN_MS=2000", IMAGE]);
  await logsUntil(/agent-runs listening on/);
}, 1_500_000);

afterAll(async () => {
  await podman(["rm", "--force", "--ignore", NAME]).catch(() => undefined);
});

describe("the container image", () => {
  it("runs as a non-root user with production dependencies only and a HEALTHCHECK", async () => {
    const { stdout } = await podman(["image", "inspect", IMAGE, "--format", "{{json .Config}}\n{{json .HealthCheck}}"]);
    const [configJson, healthJson] = stdout.trim().split("\n");
    const config = JSON.parse(configJson!) as { User?: string; Entrypoint?: string[]; StopSignal?: string };
    expect(config.User, build).toBe("10001:10001");
    expect(config.Entrypoint?.slice(-1)).toEqual(["dist/src/main.js"]);
    expect(config.StopSignal).toBe("SIGTERM");
    expect((JSON.parse(healthJson!) as { Test?: string[] }).Test).toEqual(["CMD", "node", "scripts/healthcheck.mjs"]);
    const { stdout: listing } = await podman(["run", "--rm", "--network", "none", "--entrypoint", "node", IMAGE, "-e",
      "const fs = require('node:fs'); console.log(JSON.stringify({ uid: process.getuid(), dev: ['tsx', 'typescript', 'vite', 'vitest', '@connectrpc/connect-web'].filter((d) => fs.existsSync('node_modules/' + d)), prod: fs.existsSync('node_modules/@connectrpc/connect-node'), playground: fs.existsSync('dist/playground/index.html') }))"]);
    expect(JSON.parse(listing)).toEqual({ uid: 10001, dev: [], prod: true, playground: true });
  });

  it("answers WaitRun and StreamRun over gRPC (grpc-js)", async () => {
    const client = grpcJsClient(port);
    try {
      const text = { fields: { messages: { listValue: { values: [{ structValue: { fields: { role: { stringValue: "user" }, content: { stringValue: "hello from grpc-js" } } } }] } } } };
      const waited = await unary<any, any>(client, "WaitRun", { run: { assistant_id: "demo", input: text } });
      expect(waited.run.status).toBe("RUN_STATUS_SUCCESS");
      const { messages } = await serverStream<any>(client, "StreamRun", { run: { assistant_id: "demo", input: text } }).done;
      const kinds = messages.filter((m) => m.payload === "event").map((m) => m.event.kind);
      expect(kinds[0]).toBe("metadata");
      expect(kinds.at(-1)).toBe("end");
    } finally {
      client.close();
    }
  });

  it("answers WaitRun and StreamRun over Connect (HTTP/1.1)", async () => {
    const client = createClient(RunsService, transports(url).connectJson);
    const waited = await client.waitRun({ run: { assistantId: "demo", input: userInput("hello from Connect") } });
    expect(waited.run?.threadId).not.toBe("");
    expect(waited.values?.["messages"]).toHaveLength(4);
    const kinds: string[] = [];
    for await (const response of client.streamRun({ run: { assistantId: "demo", input: userInput("stream me"), streamMode: [StreamMode.VALUES] } })) {
      if (response.payload.case === "event") kinds.push(String(response.payload.value.kind.case));
    }
    expect(kinds[0]).toBe("metadata");
    expect(kinds.at(-1)).toBe("end");
  });

  it("passes its HEALTHCHECK (grpc.health.v1 Check)", async () => {
    // Exit status 0 is healthy (podman rejects otherwise); the container's state records the check's answer.
    await podman(["healthcheck", "run", NAME]);
    const { stdout } = await podman(["inspect", NAME, "--format", "{{json .State.Health}}"]);
    const health = JSON.parse(stdout) as { Status: string; Log: { ExitCode: number; Output: string }[] };
    expect(health.Status).toBe("healthy");
    expect(health.Log.at(-1)).toMatchObject({ ExitCode: 0, Output: "SERVING" });
    const { stdout: direct } = await podman(["exec", NAME, "node", "scripts/healthcheck.mjs"]);
    expect(direct.trim()).toBe("SERVING");
  });

  it("drains on SIGTERM (podman stop) and exits 0", async () => {
    await podman(["stop", "--time", "30", NAME], 60_000);
    const { stdout } = await podman(["inspect", NAME, "--format", "{{.State.ExitCode}}"]);
    const text = await logs();
    expect(stdout.trim(), text).toBe("0");
    expect(text).toMatch(/"reason":"SIGTERM".*"msg":"draining"/);
  });
});
