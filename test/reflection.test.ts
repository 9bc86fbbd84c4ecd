// gRPC server reflection, driven by real peers: grpcurl with no .proto files
// (and gRPC health through it), and a Connect client over gRPC (h2c) for the
// corners grpcurl doesn't reach (unknown symbols, v1alpha, transitive files).
// grpc-js's health client is in health-peers.test.ts.
import { describe, expect, it } from "vitest";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { Health } from "../gen/grpc/health/v1/health_pb.js";
import {
  ServerReflection,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../gen/grpc/reflection/v1alpha/reflection_pb.js";
import { useStandInServer } from "./helpers/stand-in-server.js";
import { grpcurl } from "./helpers/tools.js";

const server = useStandInServer();

describe("grpcurl with no .proto files", () => {
  it("lists the services", async () => {
    const { stdout, code } = await grpcurl(server.address, "list");
    expect(code).toBe(0);
    expect(stdout.trim().split("\n")).toEqual([
      "agentruns.v1.RunsService",
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      "grpc.reflection.v1alpha.ServerReflection",
    ]);
  });

  it("lists a service's methods", async () => {
    const { stdout, code } = await grpcurl(server.address, "list", "agentruns.v1.RunsService");
    expect(code).toBe(0);
    expect(stdout).toContain("agentruns.v1.RunsService.StreamRun");
    expect(stdout).toContain("agentruns.v1.RunsService.DeleteRunFeedback");
  });

  it("describes agentruns.v1.RunsService", async () => {
    const { stdout, code } = await grpcurl(server.address, "describe", "agentruns.v1.RunsService");
    expect(code).toBe(0);
    expect(stdout).toContain("agentruns.v1.RunsService is a service:");
    expect(stdout).toContain("service RunsService {");
    expect(stdout).toContain("rpc StreamRun ( .agentruns.v1.StreamRunRequest ) returns ( stream .agentruns.v1.StreamRunResponse );");
    expect(stdout).toContain("rpc WaitRun ( .agentruns.v1.WaitRunRequest ) returns ( .agentruns.v1.WaitRunResponse );");
    expect(stdout).toMatch(/rpc GetRun \( \.agentruns\.v1\.GetRunRequest \) returns \( \.agentruns\.v1\.GetRunResponse \) \{\s*option idempotency_level = NO_SIDE_EFFECTS;/);
  });

  it("describes agentruns.v1.RunCreate, whose fields need google/protobuf/struct.proto, with its validation rules", async () => {
    const { stdout, code } = await grpcurl(server.address, "describe", "agentruns.v1.RunCreate");
    expect(code).toBe(0);
    expect(stdout).toContain("agentruns.v1.RunCreate is a message:");
    expect(stdout).toContain("message RunCreate {");
    // The protovalidate rules travel with the descriptors: any client sees what the server enforces.
    expect(stdout).toMatch(/string assistant_id = 1 \[\s*\(\.buf\.validate\.field\) = \{[\s\S]*?required: true[\s\S]*?string thread_id = 2/);
    expect(stdout).toContain(".google.protobuf.Struct input = 3;");
    expect(stdout).toMatch(/repeated \.agentruns\.v1\.StreamMode stream_mode = 8 \[[\s\S]*?defined_only: true[\s\S]*?multitask_strategy = 9/);
  });

  it("describes a method and a nested enum", async () => {
    const method = await grpcurl(server.address, "describe", "agentruns.v1.RunsService.StreamRun");
    expect(method.stdout).toContain("agentruns.v1.RunsService.StreamRun is a method:");
    const health = await grpcurl(server.address, "describe", "grpc.health.v1.HealthCheckResponse.ServingStatus");
    expect(health.stdout).toContain("NOT_SERVING = 2;");
  });

  it("fails clearly on an unknown symbol", async () => {
    const { stderr, code } = await grpcurl(server.address, "describe", "agentruns.v1.Nope");
    expect(code).not.toBe(0);
    expect(stderr).toContain("Symbol not found: agentruns.v1.Nope");
  });

  it("calls a server-streaming method, encoding Struct input from reflection alone", async () => {
    const request = { run: { assistant_id: "demo", input: { messages: [{ role: "user", content: "hi" }] }, stream_mode: ["STREAM_MODE_UPDATES"] } };
    const { stdout, stderr, code } = await grpcurl("-d", JSON.stringify(request), server.address, "agentruns.v1.RunsService/StreamRun");
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toContain('"assistantId": "demo"');
    expect(stdout).toContain('"content": "hi"');
    expect(stdout).toContain('"status": "RUN_STATUS_SUCCESS"');
  });

  it("checks health: SERVING, NOT_SERVING, and NOT_FOUND for an unknown service", async () => {
    const all = await grpcurl(server.address, "grpc.health.v1.Health/Check");
    expect(all.code).toBe(0);
    expect(JSON.parse(all.stdout)).toEqual({ status: "SERVING" });
    const runs = await grpcurl("-d", '{"service":"agentruns.v1.RunsService"}', server.address, "grpc.health.v1.Health/Check");
    expect(JSON.parse(runs.stdout)).toEqual({ status: "SERVING" });
    server.health.serving = false;
    try {
      const down = await grpcurl(server.address, "grpc.health.v1.Health/Check");
      expect(JSON.parse(down.stdout)).toEqual({ status: "NOT_SERVING" });
    } finally {
      server.health.serving = true;
    }
    const unknown = await grpcurl("-d", '{"service":"nope.v1.Nope"}', server.address, "grpc.health.v1.Health/Check");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("Code: NotFound");
  });
});

describe("reflection over a Connect gRPC client", () => {
  type Req = Omit<ServerReflectionRequest, "$typeName" | "$unknown" | "host"> & { host?: string };
  async function ask(service: typeof ServerReflection | typeof ServerReflectionV1Alpha, requests: Req[]) {
    const client = createClient(service as typeof ServerReflection, createGrpcTransport({ baseUrl: `http://${server.address}` }));
    const out: ServerReflectionResponse[] = [];
    for await (const res of client.serverReflectionInfo(
      (async function* () {
        yield* requests.map((r) => ({ host: "", ...r }));
      })(),
    )) {
      out.push(res);
    }
    return out;
  }
  const fileNames = (res: ServerReflectionResponse | undefined) =>
    res?.messageResponse.case === "fileDescriptorResponse"
      ? res.messageResponse.value.fileDescriptorProto.map((b) => fromBinary(FileDescriptorProtoSchema, b).name)
      : [];

  it("answers file_by_filename with the file and its transitive imports, each sent once per stream", async () => {
    const [first, second, again] = await ask(ServerReflection, [
      { messageRequest: { case: "fileByFilename", value: "agentruns/v1/runs.proto" } },
      { messageRequest: { case: "fileByFilename", value: "google/protobuf/struct.proto" } },
      { messageRequest: { case: "fileContainingSymbol", value: "agentruns.v1.RunCreate" } },
    ]);
    expect(fileNames(first)).toEqual([
      "agentruns/v1/runs.proto",
      "buf/validate/validate.proto",
      "google/protobuf/struct.proto",
      "google/protobuf/timestamp.proto",
      "google/protobuf/descriptor.proto",
      "google/protobuf/duration.proto",
      "google/protobuf/field_mask.proto",
    ]);
    expect(fileNames(second)).toEqual(["google/protobuf/struct.proto"]);
    expect(fileNames(again)).toEqual(["agentruns/v1/runs.proto"]);
    expect(first?.originalRequest?.messageRequest).toEqual({ case: "fileByFilename", value: "agentruns/v1/runs.proto" });
  });

  it("serves descriptors that build into a registry on their own", async () => {
    const [res] = await ask(ServerReflection, [{ messageRequest: { case: "fileContainingSymbol", value: "agentruns.v1.RunsService.StreamRun" } }]);
    const files = res?.messageResponse.case === "fileDescriptorResponse" ? res.messageResponse.value.fileDescriptorProto : [];
    const [runs, ...imports] = files.map((b) => fromBinary(FileDescriptorProtoSchema, b));
    expect(runs?.name).toBe("agentruns/v1/runs.proto");
    // Every import resolves from what the server sent, and nothing else.
    const registry = createFileRegistry(runs!, (name) => imports.find((f) => f.name === name));
    expect(registry.getMessage("agentruns.v1.RunCreate")?.field["input"]?.message?.typeName).toBe("google.protobuf.Struct");
    expect(registry.getService("agentruns.v1.RunsService")?.methods.map((m) => m.name)).toContain("StreamRun");
  });

  it("answers unknown symbols, files and extensions with NOT_FOUND error responses, and keeps the stream open", async () => {
    const responses = await ask(ServerReflection, [
      { messageRequest: { case: "fileContainingSymbol", value: "agentruns.v1.Nope" } },
      { messageRequest: { case: "fileByFilename", value: "nope.proto" } },
      { messageRequest: { case: "fileContainingExtension", value: { $typeName: "grpc.reflection.v1.ExtensionRequest", containingType: "agentruns.v1.RunCreate", extensionNumber: 100 } } },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "agentruns.v1.Nope" } },
      { messageRequest: { case: "allExtensionNumbersOfType", value: "agentruns.v1.RunCreate" } },
      { messageRequest: { case: "listServices", value: "" } },
    ]);
    for (const res of responses.slice(0, 4)) {
      expect(res.messageResponse.case).toBe("errorResponse");
      expect(res.messageResponse.value).toMatchObject({ errorCode: Code.NotFound });
    }
    expect(responses[0]?.messageResponse.value).toMatchObject({ errorMessage: "symbol not found: agentruns.v1.Nope" });
    expect(responses[4]?.messageResponse).toMatchObject({ case: "allExtensionNumbersResponse", value: { baseTypeName: "agentruns.v1.RunCreate", extensionNumber: [] } });
    expect(responses[5]?.messageResponse.case).toBe("listServicesResponse");
  });

  it("ends the stream with INVALID_ARGUMENT on an empty request, as grpc-go does", async () => {
    await expect(ask(ServerReflection, [{ messageRequest: { case: undefined } }])).rejects.toMatchObject({ code: Code.InvalidArgument });
    await expect(ask(ServerReflection, [{ messageRequest: { case: undefined } }])).rejects.toBeInstanceOf(ConnectError);
  });

  it("serves v1alpha the same way", async () => {
    const [list, file] = await ask(ServerReflectionV1Alpha, [
      { messageRequest: { case: "listServices", value: "" } },
      { messageRequest: { case: "fileContainingSymbol", value: "grpc.health.v1.Health" } },
    ]);
    expect(list?.$typeName).toBe("grpc.reflection.v1alpha.ServerReflectionResponse");
    expect(list?.messageResponse.case === "listServicesResponse" && list.messageResponse.value.service.map((s) => s.name)).toContain(Health.typeName);
    expect(fileNames(file)).toEqual(["grpc/health/v1/health.proto"]);
  });
});
