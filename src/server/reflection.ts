// gRPC server reflection (grpc.reflection.v1 and v1alpha) on the generated
// file descriptors, so grpcurl and friends work without .proto files. No npm
// package serves reflection from connect-node, so this is the Go server's
// behaviour (google.golang.org/grpc/reflection) in one small module:
// list_services, file_by_filename, file_containing_symbol,
// file_containing_extension and all_extension_numbers_of_type, each file
// answered with its transitive imports not yet sent on the stream.
import { create, fromBinary, toBinary, type DescFile } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import {
  ErrorResponseSchema,
  ExtensionNumberResponseSchema,
  FileDescriptorResponseSchema,
  ListServiceResponseSchema,
  ServerReflection,
  ServerReflectionRequestSchema,
  ServerReflectionResponseSchema,
  file_grpc_reflection_v1_reflection,
  type ServerReflectionRequest,
  type ServerReflectionResponse,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import {
  ServerReflection as ServerReflectionV1Alpha,
  ServerReflectionRequestSchema as ServerReflectionRequestSchemaV1Alpha,
  ServerReflectionResponseSchema as ServerReflectionResponseSchemaV1Alpha,
  file_grpc_reflection_v1alpha_reflection,
} from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";

interface Index {
  /** Every file, the served ones and all their transitive imports, by name. */
  files: Map<string, DescFile>;
  /** Fully-qualified symbol (message, field, oneof, enum, enum value, extension, service, method) to its file. */
  symbols: Map<string, DescFile>;
  /** Message type names. */
  messages: Set<string>;
  /** Extendee type name to its extensions' numbers and their files. */
  extensions: Map<string, Map<number, DescFile>>;
  /** Services served, sorted. */
  services: string[];
}

function buildIndex(served: DescFile[]): Index {
  const files = new Map<string, DescFile>();
  const visit = (file: DescFile) => {
    if (files.has(file.proto.name)) return;
    files.set(file.proto.name, file);
    file.dependencies.forEach(visit);
  };
  served.forEach(visit);
  const symbols = new Map<string, DescFile>();
  const messages = new Set<string>();
  const extensions = new Map<string, Map<number, DescFile>>();
  for (const file of files.values()) {
    // nestedTypes recurses into messages: every type of the file, at any depth.
    for (const type of nestedTypes(file)) {
      symbols.set(type.typeName, file);
      switch (type.kind) {
        case "message":
          messages.add(type.typeName);
          for (const field of type.fields) symbols.set(`${type.typeName}.${field.name}`, file);
          for (const oneof of type.oneofs) symbols.set(`${type.typeName}.${oneof.name}`, file);
          break;
        case "enum": {
          // Enum values are scoped as siblings of their enum.
          const scope = type.typeName.slice(0, Math.max(0, type.typeName.lastIndexOf(".")));
          for (const value of type.values) symbols.set(scope ? `${scope}.${value.name}` : value.name, file);
          break;
        }
        case "service":
          for (const method of type.methods) symbols.set(`${type.typeName}.${method.name}`, file);
          break;
        case "extension": {
          const byNumber = extensions.get(type.extendee.typeName) ?? new Map<number, DescFile>();
          byNumber.set(type.number, file);
          extensions.set(type.extendee.typeName, byNumber);
          break;
        }
      }
    }
  }
  const services = [...new Set(served.flatMap((file) => file.services.map((s) => s.typeName)))].sort();
  return { files, symbols, messages, extensions, services };
}

/** The file and its transitive imports, minus those already sent on this stream (the requested file is always sent). */
function fileResponse(file: DescFile, sent: Set<string>): ServerReflectionResponse["messageResponse"] {
  const out: Uint8Array[] = [];
  const queue = [file];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next.proto.name)) continue;
    seen.add(next.proto.name);
    if (next === file || !sent.has(next.proto.name)) {
      out.push(toBinary(FileDescriptorProtoSchema, next.proto));
      sent.add(next.proto.name);
    }
    queue.push(...next.dependencies);
  }
  return { case: "fileDescriptorResponse", value: create(FileDescriptorResponseSchema, { fileDescriptorProto: out }) };
}

function errorResponse(code: Code, message: string): ServerReflectionResponse["messageResponse"] {
  return { case: "errorResponse", value: create(ErrorResponseSchema, { errorCode: code, errorMessage: message }) };
}

function answer(index: Index, request: ServerReflectionRequest, sent: Set<string>): ServerReflectionResponse {
  const r = request.messageRequest;
  let messageResponse: ServerReflectionResponse["messageResponse"];
  switch (r.case) {
    case "listServices":
      messageResponse = {
        case: "listServicesResponse",
        value: create(ListServiceResponseSchema, { service: index.services.map((name) => ({ name })) }),
      };
      break;
    case "fileByFilename": {
      const file = index.files.get(r.value);
      messageResponse = file ? fileResponse(file, sent) : errorResponse(Code.NotFound, `file not found: ${r.value}`);
      break;
    }
    case "fileContainingSymbol": {
      const file = index.symbols.get(r.value.replace(/^\./, ""));
      messageResponse = file ? fileResponse(file, sent) : errorResponse(Code.NotFound, `symbol not found: ${r.value}`);
      break;
    }
    case "fileContainingExtension": {
      const { containingType, extensionNumber } = r.value;
      const file = index.extensions.get(containingType.replace(/^\./, ""))?.get(extensionNumber);
      messageResponse = file
        ? fileResponse(file, sent)
        : errorResponse(Code.NotFound, `extension not found: ${containingType} ${extensionNumber}`);
      break;
    }
    case "allExtensionNumbersOfType": {
      const typeName = r.value.replace(/^\./, "");
      messageResponse = index.messages.has(typeName)
        ? {
            case: "allExtensionNumbersResponse",
            value: create(ExtensionNumberResponseSchema, {
              baseTypeName: typeName,
              extensionNumber: [...(index.extensions.get(typeName)?.keys() ?? [])].sort((a, b) => a - b),
            }),
          }
        : errorResponse(Code.NotFound, `message type not found: ${r.value}`);
      break;
    }
    default:
      // As grpc-go does: a request with no recognised message_request ends the stream.
      throw new ConnectError("invalid MessageRequest", Code.InvalidArgument);
  }
  return create(ServerReflectionResponseSchema, { validHost: request.host, originalRequest: request, messageResponse });
}

/**
 * Registers grpc.reflection.v1.ServerReflection and its deprecated twin
 * grpc.reflection.v1alpha.ServerReflection (used by older clients), describing
 * the services in `files` (their imports are served too) and reflection
 * itself.
 */
export function reflectionRoutes(files: DescFile[]): (router: ConnectRouter) => void {
  const index = buildIndex([...files, file_grpc_reflection_v1_reflection, file_grpc_reflection_v1alpha_reflection]);
  return (router) => {
    router.service(ServerReflection, {
      async *serverReflectionInfo(requests) {
        const sent = new Set<string>();
        for await (const request of requests) yield answer(index, request, sent);
      },
    });
    // v1alpha has the same messages and wire format as v1: translate through bytes.
    router.service(ServerReflectionV1Alpha, {
      async *serverReflectionInfo(requests) {
        const sent = new Set<string>();
        for await (const request of requests) {
          const v1 = fromBinary(ServerReflectionRequestSchema, toBinary(ServerReflectionRequestSchemaV1Alpha, request));
          const response = answer(index, v1, sent);
          yield fromBinary(ServerReflectionResponseSchemaV1Alpha, toBinary(ServerReflectionResponseSchema, response));
        }
      },
    });
  };
}
