// A real Jaeger all-in-one (v1.76.0, built from the Go module proxy by
// test/peers/install.sh): OTLP receiver and query API on free 127.0.0.1
// ports, in-memory storage, no telemetry of its own. For the tracing test and
// the tracing bench.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requireTool } from "./tools.js";
import { freePort } from "./ports.js";
import { untilAnswers } from "./process.js";

export interface Jaeger {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (OTLP over HTTP). */
  otlpHttp: string;
  /** The query service's HTTP API (/api/traces...). */
  queryUrl: string;
  logs(): string;
  stop(): Promise<void>;
}


function config(ports: { grpc: number; http: number; query: number; queryGrpc: number }): string {
  return `service:
  extensions: [jaeger_storage, jaeger_query]
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  jaeger_query:
    enable_tracing: false
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${ports.query}
    grpc:
      endpoint: 127.0.0.1:${ports.queryGrpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 100000
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:${ports.grpc}
      http:
        endpoint: 127.0.0.1:${ports.http}
processors:
  batch:
    timeout: 100ms
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`;
}

export async function startJaeger(): Promise<Jaeger> {
  const bin = requireTool("jaeger");
  const dir = await mkdtemp(join(tmpdir(), "agent-runs-jaeger-"));
  const ports = { grpc: await freePort(), http: await freePort(), query: await freePort(), queryGrpc: await freePort() };
  const file = join(dir, "config.yaml");
  await writeFile(file, config(ports));
  const child = spawn(bin, ["--config", file], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const queryUrl = `http://127.0.0.1:${ports.query}`;
  try {
    await untilAnswers(`${queryUrl}/api/services`, child, "jaeger", () => output);
  } catch (error) {
    child.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    otlpHttp: `http://127.0.0.1:${ports.http}`,
    queryUrl,
    logs: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface JaegerSpan {
  traceID: string;
  spanID: string;
  operationName: string;
  references: Array<{ refType: "CHILD_OF" | "FOLLOWS_FROM"; traceID: string; spanID: string }>;
  tags: Array<{ key: string; value: unknown }>;
  processID: string;
}

export interface JaegerTrace {
  traceID: string;
  spans: JaegerSpan[];
  processes: Record<string, { serviceName: string }>;
}

/** GET /api/traces/<id>: the trace as Jaeger stored it, or null while it has none of it. */
export async function getTrace(jaeger: Jaeger, traceId: string): Promise<JaegerTrace | null> {
  const res = await fetch(`${jaeger.queryUrl}/api/traces/${traceId}`);
  if (res.status === 404) return null;
  if (!res.ok) throw new Error(`jaeger answered ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { data: JaegerTrace[] };
  return body.data[0] ?? null;
}

/** Polls a trace until `done` holds for it (spans arrive in batches), at most `ms`. */
export async function traceWhen(jaeger: Jaeger, traceId: string, done: (trace: JaegerTrace) => boolean, ms = 30_000): Promise<JaegerTrace> {
  const deadline = Date.now() + ms;
  let last: JaegerTrace | null = null;
  while (Date.now() < deadline) {
    last = await getTrace(jaeger, traceId);
    if (last && done(last)) return last;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`trace ${traceId} never became complete; last seen: ${JSON.stringify(last?.spans.map((s) => s.operationName) ?? null)}`);
}

export const tag = (span: JaegerSpan, key: string): unknown => span.tags.find((t) => t.key === key)?.value;
