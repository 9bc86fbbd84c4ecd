// The ThreadsService implementation: one thin handler per RPC (decode, call
// one use case, encode), wired to their dependencies here. A method not yet
// listed answers UNIMPLEMENTED (connect-es's default).
import type { ConnectRouter } from "@connectrpc/connect";
import { ThreadsService } from "../../gen/agentruns/v1/threads_pb.js";
import type { ServiceDeps } from "./deps.js";
import { createThread } from "./rpc/create-thread.js";
import { deleteThread } from "./rpc/delete-thread.js";
import { getThread } from "./rpc/get-thread.js";
import { searchThreads } from "./rpc/search-threads.js";
import { updateThread } from "./rpc/update-thread.js";
import { getThreadState } from "./rpc/get-thread-state.js";
import { listThreadHistory } from "./rpc/list-thread-history.js";
import { listThreadMessages } from "./rpc/list-thread-messages.js";
import { updateThreadState } from "./rpc/update-thread-state.js";

export function threadsRoutes(deps: ServiceDeps) {
  return (router: ConnectRouter) =>
    router.service(ThreadsService, {
      createThread: createThread(deps),
      getThread: getThread(deps),
      updateThread: updateThread(deps),
      deleteThread: deleteThread(deps),
      searchThreads: searchThreads(deps),
      getThreadState: getThreadState(deps),
      updateThreadState: updateThreadState(deps),
      listThreadHistory: listThreadHistory(deps),
      listThreadMessages: listThreadMessages(deps),
    });
}
