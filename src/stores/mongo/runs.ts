// The runs collection. User JSON (metadata, kwargs) is stored as JSON text,
// so keys with "." or a leading "$" are data, never operators.
import type { Collection, Filter } from "mongodb";
import { DuplicateError } from "../../domain/errors.js";
import { ACTIVE_STATUSES, TERMINAL_STATUSES, type JsonObject, type RunRecord, type RunStatus } from "../../domain/records.js";
import type { RunPageQuery, RunStore, UserSlot } from "../types.js";
import { isDuplicateKey } from "./guard.js";
import { INDEXES } from "./indexes.js";
import { ALL_RUN_STATUSES } from "../../domain/records.js";

export interface RunDoc {
  _id: string;
  thread_id: string;
  assistant_id: string;
  user_id: string;
  status: RunStatus;
  metadata: string;
  multitask_strategy: RunRecord["multitaskStrategy"];
  kwargs: string;
  error: RunRecord["error"];
  created_at: Date;
  updated_at: Date;
  owner_id: string | null;
  lease_until: Date | null;
  cancel_requested: RunRecord["cancelRequested"];
  /** The creating RPC's W3C traceparent (tracing on); absent otherwise. */
  trace_parent?: string;
  /** RunRecord.handover as it is; absent: never handed back. */
  handover?: RunRecord["handover"];
  /** Set by markDeleting: the run's rows are being deleted and every read skips it. Absent otherwise. */
  deleting?: true;
}

/** Matches runs not being deleted (absent on every other run, so no write has to set it). */
const NOT_DELETING = { deleting: { $ne: true as const } };

/** The query of one page of ListRuns (see RunStore.page), with the index that serves its shape. */
function pageFilter(query: RunPageQuery): { filter: Filter<RunDoc>; hint: string } {
  const filter: Filter<RunDoc> = { user_id: String(query.userId), ...NOT_DELETING };
  if (query.threadId !== null) filter.thread_id = String(query.threadId);
  if (query.statuses.length > 0) filter.status = { $in: [...query.statuses] };
  if (query.after) {
    const { createdAt, runId } = query.after;
    // created_at bounds the index range; the $or is the run_id tie-break within one millisecond.
    filter.created_at = { $lte: createdAt };
    filter.$or = [{ created_at: { $lt: createdAt } }, { _id: { $lt: String(runId) } }];
  }
  return { filter, hint: query.threadId === null ? INDEXES.runsByUser.name : INDEXES.runsByUserThread.name };
}

const RUN_FIELDS: Record<string, keyof RunDoc> = {
  status: "status",
  metadata: "metadata",
  error: "error",
  updatedAt: "updated_at",
  ownerId: "owner_id",
  leaseUntil: "lease_until",
  cancelRequested: "cancel_requested",
  kwargs: "kwargs",
  handover: "handover",
};

function toRunDoc(run: RunRecord): RunDoc {
  return {
    _id: run.runId,
    thread_id: run.threadId,
    assistant_id: run.assistantId,
    user_id: run.userId,
    status: run.status,
    metadata: JSON.stringify(run.metadata),
    multitask_strategy: run.multitaskStrategy,
    kwargs: JSON.stringify(run.kwargs),
    error: run.error,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    owner_id: run.ownerId,
    lease_until: run.leaseUntil,
    cancel_requested: run.cancelRequested,
    // Rides on the run's one insert: tracing adds no database command.
    ...(run.traceParent && { trace_parent: run.traceParent }),
  };
}

function fromRunDoc(doc: RunDoc): RunRecord {
  return {
    runId: doc._id,
    threadId: doc.thread_id,
    assistantId: doc.assistant_id,
    userId: doc.user_id,
    status: doc.status,
    metadata: JSON.parse(doc.metadata) as JsonObject,
    multitaskStrategy: doc.multitask_strategy,
    kwargs: JSON.parse(doc.kwargs) as RunRecord["kwargs"],
    error: doc.error ?? null,
    createdAt: doc.created_at,
    updatedAt: doc.updated_at,
    ownerId: doc.owner_id ?? null,
    leaseUntil: doc.lease_until ?? null,
    cancelRequested: doc.cancel_requested ?? null,
    ...(doc.trace_parent && { traceParent: doc.trace_parent }),
    ...(doc.handover && { handover: doc.handover }),
  };
}

/** A user's active-run slots, one document per user: taking one is one conditional update of it (atomic
 * without transactions); freeing one is a $pull, so doing it twice is harmless. */
export interface RunSlotsDoc {
  _id: string;
  runs: Array<{ run_id: string; taken_at: Date }>;
}

export class MongoRunStore implements RunStore {
  constructor(
    private readonly runs: Collection<RunDoc>,
    private readonly slots: Collection<RunSlotsDoc>,
  ) {}

  async insert(run: RunRecord): Promise<void> {
    try {
      await this.runs.insertOne(toRunDoc(run));
    } catch (error) {
      if (isDuplicateKey(error)) throw new DuplicateError("run_id");
      throw error;
    }
  }

  async get(runId: string): Promise<RunRecord | null> {
    const doc = await this.runs.findOne({ _id: String(runId), ...NOT_DELETING });
    return doc ? fromRunDoc(doc) : null;
  }

  async getMany(runIds: readonly string[], userId?: string): Promise<RunRecord[]> {
    if (runIds.length === 0) return [];
    const owner = userId === undefined ? {} : { user_id: String(userId) };
    const docs = await this.runs.find({ _id: { $in: [...new Set(runIds.map(String))] }, ...owner, ...NOT_DELETING }).toArray();
    return docs.map(fromRunDoc);
  }

  /** The owner in the filter: another user's document never leaves the database, so it is never parsed. */
  async getOwned(runId: string, userId: string): Promise<RunRecord | null> {
    const doc = await this.runs.findOne({ _id: String(runId), user_id: String(userId), ...NOT_DELETING });
    return doc ? fromRunDoc(doc) : null;
  }

  async page(query: RunPageQuery): Promise<RunRecord[]> {
    const { filter, hint } = pageFilter(query);
    const docs = await this.runs.find(filter).sort({ created_at: -1, _id: -1 }).hint(hint).limit(query.limit).toArray();
    return docs.map(fromRunDoc);
  }

  /** One conditional update: a run that turned active or changed owner meanwhile is not marked. */
  async markDeleting(runId: string, userId: string): Promise<RunRecord | null> {
    const doc = await this.runs.findOneAndUpdate(
      { _id: String(runId), user_id: String(userId), $or: [{ status: { $in: [...TERMINAL_STATUSES] } }, { deleting: true }] },
      { $set: { deleting: true } },
      { returnDocument: "after" },
    );
    return doc ? fromRunDoc(doc) : null;
  }

  async listDeleting(limit: number): Promise<RunRecord[]> {
    const docs = await this.runs.find({ deleting: true }).hint(INDEXES.runsDeleting.name).limit(limit).toArray();
    return docs.map(fromRunDoc);
  }

  async update(runId: string, patch: Partial<RunRecord>, ifStatus?: readonly RunStatus[], ifLeaseBefore?: Date, ifOwner?: string): Promise<RunRecord | null> {
    const set: Partial<RunDoc> = {};
    for (const [key, value] of Object.entries(patch)) {
      const field = RUN_FIELDS[key];
      if (!field) continue;
      (set as Record<string, unknown>)[field] = key === "metadata" || key === "kwargs" ? JSON.stringify(value) : value;
    }
    const filter: Record<string, unknown> = { _id: String(runId) };
    if (ifStatus) filter["status"] = { $in: [...ifStatus] };
    if (ifLeaseBefore) filter["lease_until"] = { $lt: ifLeaseBefore };
    if (ifOwner !== undefined) filter["owner_id"] = String(ifOwner);
    const doc = await this.runs.findOneAndUpdate(filter, { $set: set }, { returnDocument: "after" });
    return doc ? fromRunDoc(doc) : null;
  }

  async delete(runId: string): Promise<void> {
    await this.runs.deleteOne({ _id: String(runId) });
  }

  async listByThread(threadId: string, statuses: readonly RunStatus[], limit?: number): Promise<RunRecord[]> {
    const cursor = this.runs
      .find({ thread_id: threadId, status: { $in: [...statuses] } })
      .sort({ created_at: 1 })
      .hint(INDEXES.runsByThread.name);
    const docs = await (limit === undefined ? cursor : cursor.limit(limit)).toArray();
    return docs.map(fromRunDoc);
  }

  /** Every status in the query, so the (thread_id, status, created_at) index serves the sort by merging its status ranges. */
  async latestByThread(threadId: string): Promise<RunRecord | null> {
    const [doc] = await this.runs
      .find({ thread_id: String(threadId), status: { $in: [...ALL_RUN_STATUSES] } })
      .sort({ created_at: -1 })
      .limit(1)
      .hint(INDEXES.runsByThread.name)
      .toArray();
    return doc ? fromRunDoc(doc) : null;
  }

  async listExpired(now: Date, limit: number): Promise<RunRecord[]> {
    const docs = await this.runs
      .find({ status: { $in: [...ACTIVE_STATUSES] }, lease_until: { $lt: now } })
      .hint(INDEXES.runsByLease.name)
      .limit(limit)
      .toArray();
    return docs.map(fromRunDoc);
  }

  async listPendingBefore(before: Date, limit: number): Promise<RunRecord[]> {
    const docs = await this.runs
      .find({ status: "pending", created_at: { $lt: before } })
      .sort({ created_at: 1 })
      .hint(INDEXES.runsPending.name)
      .limit(limit)
      .toArray();
    return docs.map(fromRunDoc);
  }

  async takeUserSlot(userId: string, runId: string, limit: number): Promise<boolean> {
    if (limit < 1) return false;
    // Matches only while the list has room: no element at index limit-1.
    const filter = { _id: String(userId), [`runs.${limit - 1}`]: { $exists: false } } as Filter<RunSlotsDoc>;
    const update = { $push: { runs: { run_id: String(runId), taken_at: new Date() } } };
    try {
      // Matched, or created the document with this run as its first holder.
      await this.slots.updateOne(filter, update, { upsert: true });
      return true;
    } catch (error) {
      // No match, and the upsert hit the existing _id: the list is full, or a
      // racing first take created the document. Without the upsert only a full list fails.
      if (!isDuplicateKey(error)) throw error;
      return (await this.slots.updateOne(filter, update)).matchedCount === 1;
    }
  }

  async releaseUserSlot(userId: string, runId: string): Promise<void> {
    await this.slots.updateOne({ _id: String(userId) }, { $pull: { runs: { run_id: String(runId) } } });
  }

  async userSlots(userId: string): Promise<UserSlot[]> {
    const doc = await this.slots.findOne({ _id: String(userId) });
    return (doc?.runs ?? []).map((slot) => ({ runId: slot.run_id, takenAt: slot.taken_at }));
  }
}

