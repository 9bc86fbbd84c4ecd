// A grpc-js client built from the .proto at run time, as a polyglot backend
// would use it: no generated TypeScript involved.
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const PROTO_DIR = fileURLToPath(new URL("../../proto", import.meta.url));

/** A RunsService client (or, with `service`, a ThreadsService one) of 127.0.0.1:`port`. */
export function grpcJsClient(port: number, service: "RunsService" | "ThreadsService" = "RunsService"): grpc.Client & Record<string, any> {
  const definition = protoLoader.loadSync(["agentruns/v1/runs.proto", "agentruns/v1/threads.proto"], {
    includeDirs: [PROTO_DIR],
    keepCase: true,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  const pkg = grpc.loadPackageDefinition(definition) as any;
  return new pkg.agentruns.v1[service](`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}

export function unary<Req, Res>(client: any, method: string, request: Req, metadata = new grpc.Metadata()): Promise<Res> {
  return new Promise((resolve, reject) => {
    client[method](request, metadata, (error: grpc.ServiceError | null, response: Res) => (error ? reject(error) : resolve(response)));
  });
}

export function serverStream<Res>(client: any, method: string, request: unknown, metadata = new grpc.Metadata()) {
  const call: grpc.ClientReadableStream<Res> = client[method](request, metadata);
  const headers = new Promise<grpc.Metadata>((resolve) => call.on("metadata", resolve));
  const done = new Promise<{ messages: Res[]; status: grpc.StatusObject }>((resolve, reject) => {
    const messages: Res[] = [];
    call.on("data", (m: Res) => messages.push(m));
    call.on("error", reject);
    call.on("status", (status) => {
      if (status.code === grpc.status.OK) resolve({ messages, status });
    });
  });
  return { call, headers, done };
}
