// Who may call what, declared once: every method of every service the server
// registers, with the permission it needs or "public" on purpose. The auth
// interceptor refuses a method that has no entry, so a new RPC is closed
// until someone decides who may call it. The compiler checks that each
// service lists all of its methods.
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import { ThreadsService } from "../../gen/agentruns/v1/threads_pb.js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1Alpha } from "../../gen/grpc/reflection/v1alpha/reflection_pb.js";
import type { Permission } from "./caller.js";

/** "public": no credentials needed, and any sent are not even checked (probes must never fail on a stale token). */
export type Access = Permission | "public";

type MethodAccess<S extends DescService> = { [K in keyof S["method"]]: Access };

function entries<S extends DescService>(service: S, access: MethodAccess<S>): Array<[string, Access]> {
  const methods = service.method as Record<string, DescMethod>;
  return Object.entries(access as Record<string, Access>).map(([localName, a]) => [methodKey(service.typeName, methods[localName]!.name), a]);
}

export function methodKey(serviceTypeName: string, methodName: string): string {
  return `${serviceTypeName}/${methodName}`;
}

export const METHOD_ACCESS: ReadonlyMap<string, Access> = new Map([
  ...entries(RunsService, {
    streamRun: "runs:create",
    waitRun: "runs:create",
    getRun: "runs:read",
    cancelRun: "runs:cancel",
    joinRun: "runs:read",
    listRunMessages: "runs:read",
    listRunFeedback: "runs:read",
    createRunFeedback: "feedback:write",
    deleteRunFeedback: "feedback:write",
    createRun: "runs:create",
    awaitRun: "runs:read",
    listRuns: "runs:read",
    deleteRun: "runs:delete",
    cancelRuns: "runs:cancel",
    updateRunFeedback: "feedback:write",
  }),
  ...entries(ThreadsService, {
    createThread: "threads:write",
    getThread: "threads:read",
    updateThread: "threads:write",
    deleteThread: "threads:write",
    searchThreads: "threads:read",
    getThreadState: "threads:read",
    updateThreadState: "threads:write",
    listThreadHistory: "threads:read",
    listThreadMessages: "threads:read",
  }),
  ...entries(Health, { check: "public", watch: "public", list: "public" }),
  ...entries(ServerReflection, { serverReflectionInfo: "public" }),
  ...entries(ServerReflectionV1Alpha, { serverReflectionInfo: "public" }),
]);
