// The ThreadsService implementation: one thin handler per RPC (decode, call
// one use case, encode), wired to their dependencies here. A method not yet
// listed answers UNIMPLEMENTED (connect-es's default).
import type { ConnectRouter } from "@connectrpc/connect";
import { ThreadsService } from "../../gen/agentruns/v1/threads_pb.js";
import type { ServiceDeps } from "./deps.js";

export function threadsRoutes(_deps: ServiceDeps) {
  return (router: ConnectRouter) => router.service(ThreadsService, {});
}
