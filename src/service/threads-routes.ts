// The ThreadsService implementation: one thin handler per RPC (decode, call
// one use case, encode), wired to their dependencies here. A method not yet
// listed answers UNIMPLEMENTED (connect-es's default).
import type { ConnectRouter } from "@connectrpc/connect";
import { ThreadsService } from "../../gen/agentruns/v1/threads_pb.js";
import type { ServiceDeps } from "./deps.js";
import { getThreadState } from "./rpc/get-thread-state.js";
import { listThreadHistory } from "./rpc/list-thread-history.js";
import { listThreadMessages } from "./rpc/list-thread-messages.js";
import { updateThreadState } from "./rpc/update-thread-state.js";

export function threadsRoutes(deps: ServiceDeps) {
  return (router: ConnectRouter) =>
    router.service(ThreadsService, {
      getThreadState: getThreadState(deps),
      updateThreadState: updateThreadState(deps),
      listThreadHistory: listThreadHistory(deps),
      listThreadMessages: listThreadMessages(deps),
    });
}
