// A server process under test: agent-runs (src/main.ts) or the echo server, with the probe preloaded.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SERVICE_NODE_FLAGS, sleep } from "../lib.js";
import { BENCH, ROOT, SCRATCH } from "./config.js";
import { children, groupCpuSeconds, statusKb, stopChild } from "./processes.js";

export interface ProbeReading {
  seq: number;
  atUs: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** What a second preload adds (bench/store-probe.mjs: the memory store's counts); null without one. */
  extra?: Record<string, number | null> | null;
}

export class Server {
  private probeSeq = 0;
  /** Called with each chunk of the server's stdout after it started listening (its log lines, split anywhere). */
  readonly stdoutListeners = new Set<(chunk: string) => void>();
  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly url: string,
    readonly probeFile: string,
    /** The echo server's second, plain node:http2 listener. */
    readonly plainH2Url: string | null = null,
  ) {}

  get pid(): number {
    return this.child.pid!;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  cpuSeconds(): number {
    return groupCpuSeconds(this.pid);
  }

  rssKb(): number {
    return statusKb(this.pid, "VmRSS");
  }

  /** Signals the probe; "gc" collects garbage first. Resolves with its reading. */
  async probe(command: "gc" | "mark"): Promise<ProbeReading> {
    writeFileSync(`${this.probeFile}.cmd`, command);
    const want = ++this.probeSeq;
    process.kill(this.pid, "SIGUSR2");
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const reading = JSON.parse(readFileSync(this.probeFile, "utf8")) as ProbeReading;
        if (reading.seq >= want) return reading;
      } catch {
        // not written yet
      }
      if (Date.now() > deadline) throw new Error(`${this.name}: probe did not answer`);
      await sleep(10);
    }
  }

  async stop(): Promise<void> {
    await stopChild(this.child);
    rmSync(this.probeFile, { force: true });
    rmSync(`${this.probeFile}.cmd`, { force: true });
  }
}

let serverCount = 0;

/** Resolves with the URL the child prints ("listening on http://..."); rejects if it exits first or takes over 60 s. */
function listeningUrl(name: string, child: ChildProcess, output: { text: string }): Promise<string> {
  return new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name}: no URL within 60 s\n${output.text.slice(-2000)}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output.text += chunk.toString("utf8");
      const match = /listening on (http:\/\/[^"\s]+)/.exec(output.text);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (chunk: Buffer) => (output.text += chunk.toString("utf8")));
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name}: exited (${signal ?? code}) before listening\n${output.text.slice(-2000)}`));
    });
  });
}

/** `cwd`: the checkout the script (and its `--import tsx`, its node_modules) is taken from; the probe is always this bench's. */
export async function startNodeServer(name: string, script: string, args: string[], nodeFlags: string[] = [], cwd = ROOT): Promise<Server> {
  mkdirSync(SCRATCH, { recursive: true });
  const id = `${++serverCount}-${name}`;
  const probeFile = join(SCRATCH, `probe-${process.pid}-${id}.json`);
  rmSync(probeFile, { force: true });
  const child = spawn(process.execPath, ["--expose-gc", ...SERVICE_NODE_FLAGS, ...nodeFlags, "--import", "tsx", "--import", join(BENCH, "probe.mjs"), script, ...args], {
    cwd,
    env: { ...process.env, BENCH_PROBE_FILE: probeFile, NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.add(child);
  const output = { text: "" };
  const url = await listeningUrl(name, child, output);
  // Keep draining its output; keep the tail for error reports.
  child.stdout!.removeAllListeners("data");
  const plain = /plain-h2 (http:\/\/[^"\s]+)/.exec(output.text);
  const server = new Server(name, child, url, probeFile, plain ? plain[1]! : null);
  child.stdout!.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    output.text = (output.text + text).slice(-8000);
    for (const listener of server.stdoutListeners) listener(text);
  });
  return server;
}

/** agent-runs from `root` (default: this repository), with that checkout's own bench/langgraph.json. */
export function startAgentRuns(name: string, extra: string[] = [], nodeFlags: string[] = [], root = ROOT): Promise<Server> {
  return startNodeServer(
    name,
    "src/main.ts",
    ["--port", "0", "--graphs", "bench/langgraph.json", "--drain-ms", "200", "--read-max-bytes", String(64 * 1024 * 1024), ...extra],
    nodeFlags,
    root,
  );
}
