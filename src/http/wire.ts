// Records as the LangGraph Platform's HTTP API shows them: snake_case keys,
// ISO times, LangGraph's status names. What the SDK's Run and Thread types
// read; nothing here decides anything.
import type { StoredStreamEvent } from "../domain/events.js";
import type { JsonObject, JsonValue, RunRecord, ThreadRecord } from "../domain/records.js";
import type { ThreadStateRecord } from "../domain/thread-state.js";

export function runJson(run: RunRecord): JsonObject {
  return {
    run_id: run.runId,
    thread_id: run.threadId,
    assistant_id: run.assistantId,
    created_at: run.createdAt.toISOString(),
    updated_at: run.updatedAt.toISOString(),
    status: run.status,
    metadata: run.metadata,
    multitask_strategy: run.multitaskStrategy,
    kwargs: {
      input: run.kwargs.input,
      command: run.kwargs.command,
      config: run.kwargs.config,
      context: run.kwargs.context,
      stream_mode: run.kwargs.streamModes,
      interrupt_before: run.kwargs.interruptBefore,
      interrupt_after: run.kwargs.interruptAfter,
      subgraphs: run.kwargs.streamSubgraphs,
      on_disconnect: run.kwargs.onDisconnect,
      ...(run.kwargs.webhook !== undefined && { webhook: run.kwargs.webhook }),
    },
  };
}

export function threadJson(thread: ThreadRecord, values: JsonObject | null = null): JsonObject {
  return {
    thread_id: thread.threadId,
    created_at: thread.createdAt.toISOString(),
    updated_at: thread.updatedAt.toISOString(),
    metadata: thread.metadata,
    status: thread.status,
    values,
    interrupts: {},
  };
}

/** The `__error__` a failed wait answers with, as the SDK's runs.wait reads it. */
export function waitErrorJson(error: { name: string; message: string }): JsonObject {
  return { __error__: { error: error.name, message: error.message } };
}

/** One SSE frame's event name and data for a stored event; null for what the wire does not carry. */
export function sseFrame(event: StoredStreamEvent, runId: string): { event: string; data: JsonValue } | null {
  switch (event.kind) {
    case "metadata":
      return { event: "metadata", data: { run_id: event.data.run_id, thread_id: event.data.thread_id, attempt: 1 } };
    case "error":
      return { event: "error", data: { error: event.data.name, message: event.data.message } };
    case "end":
      return { event: "end", data: { run_id: runId, status: event.data.status } };
    case "part": {
      // LangGraph's messages mode is the Platform's "messages-tuple"; its SSE event is "messages".
      const name = event.mode;
      return { event: event.namespace.length > 0 ? `${name}|${event.namespace.join("|")}` : name, data: event.data };
    }
  }
}

/** A checkpoint reference as the Platform writes it. */
const checkpointRef = (threadId: string, checkpointId: string) => ({ thread_id: threadId, checkpoint_ns: "", checkpoint_id: checkpointId });

export function threadStateJson(threadId: string, state: ThreadStateRecord): JsonObject {
  const tasks = state.tasks.map((t) => ({ id: t.id, name: t.name, error: t.error, interrupts: t.interrupts.map((i) => ({ id: i.id, value: i.value })), checkpoint: null, state: null }));
  return {
    values: state.values,
    next: state.next,
    tasks,
    checkpoint: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: state.checkpointId },
    metadata: state.metadata,
    created_at: state.createdAt?.toISOString() ?? null,
    parent_checkpoint: state.parentCheckpointId ? checkpointRef(threadId, state.parentCheckpointId) : null,
    interrupts: tasks.flatMap((t) => t.interrupts),
  };
}
