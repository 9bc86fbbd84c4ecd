// DeleteThread without transactions, safe through an outage: the thread is
// first marked as being deleted (one atomic update, refused while a run holds
// it), which makes it invisible to GetThread, UpdateThread and SearchThreads
// and keeps any run from starting on it; then its parts go, each run's events,
// messages and feedback before the run itself, then its checkpoints, and the
// thread record last. Cut short at any step, the thread stays marked and
// invisible, and the same DeleteThread again finishes what is left.
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { ThreadHasActiveRunError, ThreadNotFoundError } from "../../domain/errors.js";
import { ACTIVE_STATUSES, TERMINAL_STATUSES } from "../../domain/records.js";
import type { Stores } from "../../stores/types.js";

const EVERY_STATUS = [...ACTIVE_STATUSES, ...TERMINAL_STATUSES];

export async function deleteThread(deps: { stores: Stores; checkpointer: BaseCheckpointSaver }, threadId: string, userId: string): Promise<void> {
  const { stores } = deps;
  const thread = await stores.threads.getOwned(threadId, userId);
  if (!thread) throw new ThreadNotFoundError(threadId);
  if (!thread.deleting) {
    // A queued run does not hold the thread yet; it would start once the thread is free.
    const pending = thread.activeRunId === null ? await stores.runs.listByThread(threadId, ["pending"], 1) : [];
    if (thread.activeRunId !== null || pending.length > 0) throw new ThreadHasActiveRunError(threadId);
    // False: a run took the thread since the read above.
    if (!(await stores.threads.markDeleting(threadId, userId))) throw new ThreadHasActiveRunError(threadId);
  }
  // Listed again until none is left: a CreateRun that found the thread just
  // before the mark may still store its run (which can never start now).
  for (let runs = await listRuns(stores, threadId); runs.length > 0; runs = await listRuns(stores, threadId)) {
    for (const run of runs) {
      await stores.events.deleteRun(run.runId);
      await stores.feedback.deleteByRun(run.runId);
      await stores.runs.delete(run.runId);
    }
  }
  await deps.checkpointer.deleteThread(threadId);
  await stores.threads.delete(threadId, userId);
}

function listRuns(stores: Stores, threadId: string) {
  return stores.runs.listByThread(threadId, EVERY_STATUS);
}
