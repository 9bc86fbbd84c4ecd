// Store interfaces shared by the memory and MongoDB implementations. Both pass
// one contract suite (test/stores.contract.test.ts); anything the service
// relies on is written down there. Stores know the domain and nothing above it.
import type { MessagePage, MessagePageQuery, NewEvent, StoredEvent, StoredStreamEvent } from "../domain/events.js";
import type { WebhookDelivery } from "../domain/records.js";
import type { FeedbackRecord, RunRecord, RunStatus, ThreadRecord } from "../domain/records.js";
import type { JsonObject, SettledThreadStatus, ThreadStatus } from "../domain/records.js";

export interface RunStore {
  insert(run: RunRecord): Promise<void>;
  /** The run; null when missing or being deleted (markDeleting), as for getOwned and page. */
  get(runId: string): Promise<RunRecord | null>;
  /**
   * The run if `userId` owns it, else null. The owner is part of the query, so
   * another user's run is never fetched or decoded: neither its size nor its
   * content shows in the answer or in how long it takes.
   */
  getOwned(runId: string, userId: string): Promise<RunRecord | null>;
  /** The runs of these ids that exist (as get: one being deleted is left out), in any order: one query for many; only `userId`'s when given (the owner in the query, as getOwned). */
  getMany(runIds: readonly string[], userId?: string): Promise<RunRecord[]>;
  /**
   * Applies `patch` if the run exists and, when given, its status is one of
   * `ifStatus`, and, when given, its lease ended before `ifLeaseBefore`, and, when given, replica `ifOwner` holds it. Returns the updated run, or null when nothing matched. Atomic.
   */
  update(runId: string, patch: Partial<RunRecord>, ifStatus?: readonly RunStatus[], ifLeaseBefore?: Date, ifOwner?: string): Promise<RunRecord | null>;
  delete(runId: string): Promise<void>;
  /**
   * One page of `userId`'s runs (ListRuns), newest first: created_at
   * descending, run_id descending among equal times; only those on
   * `threadId` when given, only those in `statuses` when not empty, only
   * those after `after` in that order when given; at most `limit`. A run
   * being deleted is never listed. The owner is part of the query: another
   * user's runs are never read.
   */
  page(query: RunPageQuery): Promise<RunRecord[]>;
  /**
   * Marks `userId`'s terminal run as being deleted (DeleteRun's first step)
   * and returns it; returns a run already so marked too, so a delete cut
   * short by an outage can be finished. Null when the run is missing,
   * another user's, or active. Atomic. From then on get, getOwned and page
   * no longer return it; delete removes it.
   */
  markDeleting(runId: string, userId: string): Promise<RunRecord | null>;
  /** Up to `limit` runs marked deleting, of any user: deletes cut short and never repeated, for the sweep that finishes them. */
  listDeleting(limit: number): Promise<RunRecord[]>;
  /** Runs of a thread in the given statuses, oldest first; the first `limit` of them when given (admission asks for one, not the whole queue). */
  listByThread(threadId: string, statuses: readonly RunStatus[], limit?: number): Promise<RunRecord[]>;
  /** The thread's most recently created run, whatever its status; null when it has none. */
  latestByThread(threadId: string): Promise<RunRecord | null>;
  /** Running or pending runs whose lease ended before `now`. */
  listExpired(now: Date, limit: number): Promise<RunRecord[]>;
  /** Pending runs created before `before`, oldest first (queued runs whose scheduling may have been lost). */
  listPendingBefore(before: Date, limit: number): Promise<RunRecord[]>;
  /**
   * Gives `runId` one of `userId`'s `limit` active-run slots; false when all
   * are held. Atomic: of any number of racing callers at most `limit` hold one.
   * (A count of active runs followed by an insert is not: racing creates all
   * count the same number.) Called once per run.
   */
  takeUserSlot(userId: string, runId: string, limit: number): Promise<boolean>;
  /** Frees `runId`'s slot if it holds one. Idempotent: every path that ends a run may call it. */
  releaseUserSlot(userId: string, runId: string): Promise<void>;
  /** The runs holding `userId`'s slots and when each took it, so slots of runs that ended without freeing theirs can be found. */
  userSlots(userId: string): Promise<UserSlot[]>;
}

/** Where a page of runs starts: after this run in ListRuns' order. */
export interface RunPosition {
  createdAt: Date;
  runId: string;
}

export interface RunPageQuery {
  userId: string;
  threadId: string | null;
  /** Empty: every status. */
  statuses: readonly RunStatus[];
  after: RunPosition | null;
  limit: number;
}

/** Where a reader of a run's events stands: after this seq. */
export interface EventPosition {
  runId: string;
  afterSeq: number;
}

export interface UserSlot {
  runId: string;
  takenAt: Date;
}

export interface ThreadStore {
  /** Returns the thread, creating it for `userId` when missing (one being deleted comes back flagged `deleting`). */
  ensure(threadId: string, userId: string): Promise<ThreadRecord>;
  get(threadId: string): Promise<ThreadRecord | null>;
  /** The thread if `userId` owns it (one being deleted included, flagged), else null; the owner is part of the query. */
  getOwned(threadId: string, userId: string): Promise<ThreadRecord | null>;
  /**
   * Creates the thread (idle, no run) unless its id is taken. Returns the new
   * thread and `created: true`, or the existing one, whoever owns it, and
   * `created: false`. Atomic: of racing creates of one id exactly one creates.
   */
  create(threadId: string, userId: string, metadata: JsonObject): Promise<{ created: boolean; thread: ThreadRecord }>;
  /**
   * Merges `patch` into the metadata of `userId`'s thread (a null value
   * removes the key) and bumps its update time; null when the thread is
   * missing, another user's or being deleted. Racing merges all apply.
   * `accept` sees the merged metadata before it is written and may throw to refuse it.
   */
  updateMetadata(threadId: string, userId: string, patch: JsonObject, accept?: (merged: JsonObject) => void): Promise<ThreadRecord | null>;
  /**
   * Marks `userId`'s thread as being deleted if no run holds it (DeleteThread's
   * first step): from then on no run acquires it and page skips it. True when
   * it is marked (now or before), false when missing, another user's or held. Atomic.
   */
  markDeleting(threadId: string, userId: string): Promise<boolean>;
  /** Removes `userId`'s thread record (DeleteThread's last step). */
  delete(threadId: string, userId: string): Promise<void>;
  /**
   * One page of `userId`'s threads (SearchThreads), newest first: created
   * time descending, thread id descending among equal times; only those whose
   * metadata has each key of `metadata` with an equal JSON value, only those
   * in `statuses` when not empty, only those after `after` in that order; at
   * most `limit`. Threads being deleted are never listed.
   */
  page(query: ThreadPageQuery): Promise<ThreadRecord[]>;
  /**
   * Makes `runId` the thread's active run (the thread busy) if it has none and is not being deleted. Atomic.
   * Refused because another run holds it, it notes that a run may be queued behind that one, before
   * answering false, so that the holder's release says so (never after the holder has released).
   */
  acquire(threadId: string, runId: string): Promise<boolean>;
  /**
   * ensure and acquire in one atomic step (one round trip on MongoDB): creates the thread for
   * `userId` when missing, and makes `runId` its active run if it is `userId`'s, free and not being
   * deleted. `thread` is the thread as it is then, another user's included (the caller tells
   * NOT_FOUND from busy by it); `acquired` whether `runId` now holds it.
   */
  claim(threadId: string, userId: string, runId: string): Promise<{ thread: ThreadRecord; acquired: boolean }>;
  /**
   * Clears the active run if it is `runId`, leaving the thread in `status` (unchanged from before the run when not given).
   * True when a run may be queued behind it (an acquire was refused since the last clearQueued): the caller looks. Atomic.
   */
  release(threadId: string, runId: string, status?: SettledThreadStatus): Promise<boolean>;
  /**
   * Forgets that runs may be queued (a look found none pending), but only while the thread is free:
   * a refused acquire of a held thread is its holder's to see at release.
   */
  clearQueued(threadId: string): Promise<void>;
}

/** Where a page of threads starts: after this thread in SearchThreads' order. */
export interface ThreadPosition {
  createdAt: Date;
  threadId: string;
}

export interface ThreadPageQuery {
  userId: string;
  metadata: JsonObject;
  /** Empty: every status. */
  statuses: readonly ThreadStatus[];
  after: ThreadPosition | null;
  limit: number;
}

export interface EventStore {
  /** Appends rows to the thread's log, allocating consecutive seqs in order. */
  append(threadId: string, runId: string, events: NewEvent[]): Promise<StoredEvent[]>;
  /** A run's stream events (not messages) with seq > afterSeq, ascending. */
  listRunEvents(runId: string, afterSeq: number, limit: number): Promise<StoredStreamEvent[]>;
  /**
   * The stream events of several runs, each after its own seq, in one query (a replica's one
   * poller for all the runs it tails): ascending by run id, then seq, at most `limit` in all, so
   * each run's rows are contiguous from its position and a run the limit cut is continued next call.
   */
  listEventsOfRuns(positions: readonly EventPosition[], limit: number): Promise<StoredStreamEvent[]>;
  /** One page of a run's messages, ascending by seq (see ListRunMessages). */
  pageMessages(runId: string, query: MessagePageQuery): Promise<MessagePage>;
  /** One page of a thread's messages across its runs, by the same rules as pageMessages. */
  pageThreadMessages(threadId: string, query: MessagePageQuery): Promise<MessagePage>;
  /** Whether the run has a message with this id. */
  hasMessage(runId: string, messageId: string): Promise<boolean>;
  deleteRun(runId: string): Promise<void>;
}

export interface FeedbackStore {
  /** Throws DuplicateError when (runId, userId) already has feedback. */
  create(feedback: FeedbackRecord): Promise<void>;
  /**
   * Sets the rating, comment and message of `feedback.userId`'s feedback on
   * `feedback.runId`, creating it (with `feedback`'s id, thread and time) when
   * absent. Atomic: racing upserts leave exactly one. Returns it as stored.
   */
  upsert(feedback: FeedbackRecord): Promise<FeedbackRecord>;
  listByRun(runId: string): Promise<FeedbackRecord[]>;
  /** Deletes the feedback if it is on `runId`; returns whether it existed. */
  delete(runId: string, feedbackId: string): Promise<boolean>;
  deleteByRun(runId: string): Promise<void>;
}

/**
 * Webhook deliveries waiting to be sent (the outbox). Every replica's
 * deliverer claims due ones; a claim is atomic and leased, so of racing
 * replicas one sends each attempt, and one that dies mid-POST gives the
 * delivery back when the lease ends.
 */
export interface WebhookStore {
  /**
   * Stores the delivery as given unless one with its id is there already (a
   * run's finish may be retried); returns whether it stored it. The enqueuer
   * may store it claimed by itself (attempts 1, its claim, dueAt its lease),
   * to send it at once with no claim round trip.
   */
  enqueue(delivery: WebhookDelivery): Promise<boolean>;
  /**
   * Takes the pending delivery due longest (dueAt <= now), if any: its
   * attempts +1, `claim` set, dueAt moved to `leaseUntil` (so it comes due
   * again should its holder die). Atomic: of racing callers one gets it.
   */
  claimDue(now: Date, claim: string, leaseUntil: Date): Promise<WebhookDelivery | null>;
  /** Removes a delivered delivery, if `claim` still holds it; returns whether it did. */
  delivered(deliveryId: string, claim: string): Promise<boolean>;
  /** Makes it due again at `dueAt`, released, with the error, if `claim` still holds it. */
  retryAt(deliveryId: string, claim: string, dueAt: Date, error: string): Promise<boolean>;
  /**
   * Marks it failed (never sent again), if `claim` still holds it, to be
   * kept until `keepUntil`: from then get no longer finds it, and the store
   * frees it (memory: at its next call; MongoDB: a TTL index, whose monitor
   * runs every 60 s).
   */
  failed(deliveryId: string, claim: string, error: string, keepUntil: Date): Promise<boolean>;
  /** The delivery; null once delivered, or failed and past its keepUntil (whether or not it is freed yet). */
  get(deliveryId: string): Promise<WebhookDelivery | null>;
  /** Pending deliveries (due or not, claimed or not), counted up to `limit`: one bounded count, for a gauge. */
  countPending(limit: number): Promise<number>;
}

export interface Stores {
  kind: "memory" | "mongodb";
  runs: RunStore;
  threads: ThreadStore;
  events: EventStore;
  feedback: FeedbackStore;
  webhooks: WebhookStore;
  /** Resolves when the database answers; rejects otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
