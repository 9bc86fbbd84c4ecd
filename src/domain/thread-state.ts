// A thread's checkpointed state as the service reports it: what LangGraph's
// getState returns, turned into plain JSON by the runtime.
import type { JsonObject, JsonValue } from "./records.js";

export interface ThreadInterrupt {
  id: string;
  value: JsonValue;
}

export interface ThreadTaskRecord {
  id: string;
  name: string;
  interrupts: ThreadInterrupt[];
  /** The task's error message; null when it did not fail. */
  error: string | null;
}

export interface ThreadStateRecord {
  values: JsonObject;
  next: string[];
  tasks: ThreadTaskRecord[];
  /** Null for a thread no run has written yet. */
  checkpointId: string | null;
  parentCheckpointId: string | null;
  metadata: JsonObject;
  createdAt: Date | null;
}

/** The state of a thread without checkpoints. */
export function emptyThreadState(): ThreadStateRecord {
  return { values: {}, next: [], tasks: [], checkpointId: null, parentCheckpointId: null, metadata: {}, createdAt: null };
}

/** Which checkpoints a history page lists: newest first, older than `before`, metadata equal to `filter`. */
export interface HistoryQuery {
  limit: number;
  before?: string;
  filter?: Record<string, string | number | boolean | null>;
}
