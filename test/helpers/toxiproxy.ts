// toxiproxy v2.5.0 (test/peers/install.sh) between the service and MongoDB: a proxy whose link
// can be slowed, cut or starved through toxiproxy's HTTP API, for fault tests and the bench's
// latency slope.
import { spawn } from "node:child_process";
import { homedir } from "node:os";
import { join } from "node:path";
import { freePort } from "./ports.js";
import { untilAnswers } from "./process.js";

export const TOXIPROXY_SERVER = join(homedir(), "go", "toxiproxy-v2.5.0", "server");

export interface Toxic {
  type: "latency" | "timeout" | "reset_peer" | "limit_data" | "bandwidth" | "slow_close" | "slicer";
  /** downstream: what the database sends back; upstream: what the service sends. */
  stream?: "upstream" | "downstream";
  attributes: Record<string, number>;
}

export interface Toxiproxy {
  /** The proxied MongoDB URI: the service connects here. */
  uri: string;
  add(name: string, toxic: Toxic): Promise<void>;
  remove(name: string): Promise<void>;
  /** Disables or enables the proxy: disabled, it refuses and drops every connection. */
  enabled(on: boolean): Promise<void>;
  stop(): Promise<void>;
}


async function api(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (!res.ok) throw new Error(`toxiproxy ${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as unknown) : null;
}

/** Starts toxiproxy with one proxy to the MongoDB at `mongoUri` (mongodb://host:port). */
export async function startToxiproxy(mongoUri: string): Promise<Toxiproxy> {
  const upstream = new URL(mongoUri).host;
  const [apiPort, listenPort] = [await freePort(), await freePort()];
  const child = spawn(TOXIPROXY_SERVER, ["-host", "127.0.0.1", "-port", String(apiPort)], { stdio: "ignore" });
  const base = `http://127.0.0.1:${apiPort}`;
  // /version answers plain text, not JSON.
  await untilAnswers(`${base}/version`, child, "toxiproxy", undefined, 10_000, 50);
  await api(base, "POST", "/proxies", { name: "mongodb", listen: `127.0.0.1:${listenPort}`, upstream, enabled: true });
  return {
    uri: `mongodb://127.0.0.1:${listenPort}/?directConnection=true`,
    add: async (name, toxic) => void (await api(base, "POST", "/proxies/mongodb/toxics", { name, stream: "downstream", toxicity: 1, ...toxic })),
    remove: async (name) => void (await api(base, "DELETE", `/proxies/mongodb/toxics/${name}`)),
    enabled: async (on) => void (await api(base, "POST", "/proxies/mongodb", { enabled: on })),
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
