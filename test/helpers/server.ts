// A real server on a free loopback port, and real clients for each protocol.
import { createClient, type Client, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { RunsService, type RunCreateSchema, type StreamRunResponse } from "../../gen/agentruns/v1/runs_pb.js";
import { ThreadsService } from "../../gen/agentruns/v1/threads_pb.js";
import { startServer, type AppOptions, type Server } from "../../src/app.js";
import { defaultConfig, type Config } from "../../src/config.js";

export type ThreadsClient = Client<typeof ThreadsService>;
export type RunsClient = Client<typeof RunsService>;
/** A RunsService client with the ThreadsService client of the same transport beside it. */
export type ServiceClients = RunsClient & { threads: ThreadsClient };

/** Both services' clients over one transport. */
export function clientsOf(transport: Transport): ServiceClients {
  return Object.assign(createClient(RunsService, transport), { threads: createClient(ThreadsService, transport) });
}

export interface TestServer {
  server: Server;
  url: string;
  port: number;
  /** Connect protocol, JSON, over HTTP/1.1. */
  connectJson: ServiceClients;
  /** Connect protocol, binary, over HTTP/1.1. */
  connectBinary: ServiceClients;
  /** gRPC over h2c. */
  grpc: ServiceClients;
  /** gRPC-Web over HTTP/1.1. */
  grpcWeb: ServiceClients;
  client(transport: "connectJson" | "connectBinary" | "grpc" | "grpcWeb"): ServiceClients;
  stop(): Promise<void>;
}

export function transports(url: string): Record<"connectJson" | "connectBinary" | "grpc" | "grpcWeb", Transport> {
  return {
    connectJson: createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: false }),
    connectBinary: createConnectTransport({ baseUrl: url, httpVersion: "1.1", useBinaryFormat: true }),
    grpc: createGrpcTransport({ baseUrl: url }),
    grpcWeb: createGrpcWebTransport({ baseUrl: url, httpVersion: "1.1" }),
  };
}

export async function startTestServer(overrides: Partial<Config> = {}, options: AppOptions = {}): Promise<TestServer> {
  const config = defaultConfig({ host: "127.0.0.1", port: 0, logLevel: "silent", heartbeatMs: 15_000, drainMs: 200, ...overrides });
  const server = await startServer(config, options);
  const t = transports(server.url);
  const clients = {
    connectJson: clientsOf(t.connectJson),
    connectBinary: clientsOf(t.connectBinary),
    grpc: clientsOf(t.grpc),
    grpcWeb: clientsOf(t.grpcWeb),
  };
  return {
    server,
    url: server.url,
    port: server.listening.port,
    ...clients,
    client: (name) => clients[name],
    stop: () => server.stop(),
  };
}

/** A demo-graph input with `n` user messages. */
export function userInput(...texts: string[]) {
  return { messages: texts.map((content) => ({ role: "user", content })) };
}

export async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

export interface StartedStream {
  runId: string;
  threadId: string;
  metadataId: bigint;
  iterator: AsyncIterator<StreamRunResponse>;
  /** Reads the stream to its end in the background: every response, the metadata one first. */
  rest(): Promise<StreamRunResponse[]>;
}

/** Starts a StreamRun and reads its first response, which must be the metadata event. */
export async function startStream(client: RunsClient, run: MessageInitShape<typeof RunCreateSchema>, signal?: AbortSignal): Promise<StartedStream> {
  const iterator = client.streamRun({ run }, { signal })[Symbol.asyncIterator]();
  const first = (await iterator.next()).value as StreamRunResponse;
  if (first.payload.case !== "event" || first.payload.value.kind.case !== "metadata") throw new Error("the first event must be metadata");
  const { runId, threadId } = first.payload.value.kind.value;
  return {
    runId,
    threadId,
    metadataId: first.payload.value.eventId,
    iterator,
    rest: async () => {
      const out: StreamRunResponse[] = [first];
      for (let r = await iterator.next(); !r.done; r = await iterator.next()) out.push(r.value);
      return out;
    },
  };
}
