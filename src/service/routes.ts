// The RunsService implementation: one thin handler per RPC (validate,
// authorize, delegate), wired to their dependencies here.
import type { ConnectRouter } from "@connectrpc/connect";
import { RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import type { ServiceDeps } from "./deps.js";
import { awaitRun } from "./rpc/await-run.js";
import { cancelRun } from "./rpc/cancel-run.js";
import { cancelRuns } from "./rpc/cancel-runs.js";
import { createRun } from "./rpc/create-run.js";
import { createRunFeedback } from "./rpc/create-run-feedback.js";
import { deleteRun } from "./rpc/delete-run.js";
import { deleteRunFeedback } from "./rpc/delete-run-feedback.js";
import { getRun } from "./rpc/get-run.js";
import { joinRun } from "./rpc/join-run.js";
import { listRunFeedback } from "./rpc/list-run-feedback.js";
import { listRunMessages } from "./rpc/list-run-messages.js";
import { listRuns } from "./rpc/list-runs.js";
import { streamRun } from "./rpc/stream-run.js";
import { updateRunFeedback } from "./rpc/update-run-feedback.js";
import { waitRun } from "./rpc/wait-run.js";

export function runsRoutes(deps: ServiceDeps) {
  return (router: ConnectRouter) =>
    router.service(RunsService, {
      streamRun: streamRun(deps),
      waitRun: waitRun(deps),
      getRun: getRun(deps),
      cancelRun: cancelRun(deps),
      joinRun: joinRun(deps),
      listRunMessages: listRunMessages(deps),
      listRunFeedback: listRunFeedback(deps),
      createRunFeedback: createRunFeedback(deps),
      deleteRunFeedback: deleteRunFeedback(deps),
      createRun: createRun(deps),
      awaitRun: awaitRun(deps),
      updateRunFeedback: updateRunFeedback(deps),
      listRuns: listRuns(deps),
      deleteRun: deleteRun(deps),
      cancelRuns: cancelRuns(deps),
    });
}
