// The isolation matrix (test/unit/isolation.test.ts on the memory store,
// test/isolation-mongo.test.ts over gRPC on MongoDB): every RPC of
// RunsService and ThreadsService, taken from their descriptors (a new RPC
// without an entry here fails), one small entry each saying how to call it on
// user A's resources. User A's run, thread and feedback answer user B exactly
// as ids that never existed (same code, same message and error details apart
// from the ids), nothing of A's shows in B's lists, and B's attempts change
// nothing. A backend key granted users:act_as acting for B gets B's answers;
// acting for A, A's.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, type Client } from "@connectrpc/connect";
import { RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import { ThreadsService } from "../../gen/agentruns/v1/threads_pb.js";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { ACT_AS_HEADER } from "../../src/auth/act-as.js";
import type { AuthConfig } from "../../src/auth/authenticator.js";
import { DEFAULT_PERMISSIONS } from "../../src/auth/caller.js";
import type { Stores } from "../../src/stores/types.js";
import { collect, userInput } from "./server.js";

type RunsClient = Client<typeof RunsService> & { threads: Client<typeof ThreadsService> };

/** The service under test, with the keys of ISOLATION_AUTH. */
export interface IsolatedService {
  /** Clients sending `authorization: Bearer <token>` and any extra `headers`. */
  as(token: string, headers?: Record<string, string>): RunsClient;
  stores: Stores;
  close(): Promise<void>;
}

export const ISOLATION_AUTH: AuthConfig = {
  api_keys: [
    { key: "alice", user_id: "alice" },
    { key: "bob", user_id: "bob" },
    { key: "backend", user_id: "backend", permissions: [...DEFAULT_PERMISSIONS, "users:act_as"] },
  ],
};

/** The ids a call is aimed at: A's resources, B's own, or ids that never existed. */
interface Ids {
  runId: string;
  threadId: string;
  feedbackId: string;
}

type Call = (client: RunsClient, ids: Ids) => Promise<unknown>;

interface Case {
  /** What the case is about, when a method has several. */
  name?: string;
  /** The call on A's resources (made by B, by the backend for B and for A, and on other ids to compare). */
  call: Call;
  /** What B's call on A's ids is answered exactly as; default: `call` on ids that never existed. */
  as?: (client: RunsClient, ids: { missing: Ids; own: Ids }) => Promise<unknown>;
  /** B's code; default NOT_FOUND. "ok" for lists, which must just leave A's out. */
  code?: Code | "ok";
  /** A's code on A's own resources; default ok. */
  owner?: Code | "ok";
  /** A's answer lists A's run and thread: a list RPC. */
  lists?: boolean;
}

const run = (threadId?: string) => ({ run: { assistantId: "demo", ...(threadId ? { threadId } : {}), input: userInput("isolation") } });
/** Run creation on a thread answers as a thread that never existed does. */
const asMissingThread: Case["as"] = (c, { missing }) => c.threads.getThreadState({ threadId: missing.threadId });

const RUNS: { [K in keyof typeof RunsService.method]: Case[] } = {
  streamRun: [{ call: (c, r) => collect(c.streamRun(run(r.threadId))), as: asMissingThread }],
  waitRun: [{ call: (c, r) => c.waitRun(run(r.threadId)), as: asMissingThread }],
  getRun: [{ call: (c, r) => c.getRun({ runId: r.runId }) }],
  cancelRun: [{ call: (c, r) => c.cancelRun({ runId: r.runId }), owner: Code.FailedPrecondition }],
  joinRun: [{ call: (c, r) => collect(c.joinRun({ runId: r.runId })) }],
  listRunMessages: [{ call: (c, r) => c.listRunMessages({ runId: r.runId }) }],
  listRunFeedback: [{ call: (c, r) => c.listRunFeedback({ runId: r.runId }) }],
  createRunFeedback: [{ call: (c, r) => c.createRunFeedback({ runId: r.runId, rating: -1 }), owner: Code.AlreadyExists }],
  deleteRunFeedback: [{ call: (c, r) => c.deleteRunFeedback({ runId: r.runId, feedbackId: r.feedbackId }) }],
  createRun: [{ call: (c, r) => c.createRun(run(r.threadId)), as: asMissingThread }],
  awaitRun: [{ call: (c, r) => c.awaitRun({ runId: r.runId }) }],
  listRuns: [
    { name: "all threads", call: (c) => c.listRuns({}), code: "ok", lists: true },
    { name: "on A's thread", call: (c, r) => c.listRuns({ threadId: r.threadId }), code: "ok", lists: true },
  ],
  deleteRun: [{ call: (c, r) => c.deleteRun({ runId: r.runId }) }],
  cancelRuns: [
    { name: "by run id", call: (c, r) => c.cancelRuns({ runIds: [r.runId] }), code: "ok" },
    { name: "by thread", call: (c, r) => c.cancelRuns({ threadId: r.threadId }), code: "ok" },
  ],
  updateRunFeedback: [{ call: (c, r) => c.updateRunFeedback({ runId: r.runId, rating: -1 }) }],
};

const THREADS: { [K in keyof typeof ThreadsService.method]: Case[] } = {
  // A taken id is ALREADY_EXISTS whoever holds it: B is told what B would hear for a thread of B's own.
  createThread: [{ call: (c, r) => c.threads.createThread({ threadId: r.threadId }), as: (c, { own }) => c.threads.createThread({ threadId: own.threadId }), code: Code.AlreadyExists, owner: Code.AlreadyExists }],
  getThread: [{ call: (c, r) => c.threads.getThread({ threadId: r.threadId }) }],
  updateThread: [{ call: (c, r) => c.threads.updateThread({ threadId: r.threadId, metadata: { by: "someone" } }) }],
  deleteThread: [{ call: (c, r) => c.threads.deleteThread({ threadId: r.threadId }) }],
  searchThreads: [{ call: (c) => c.threads.searchThreads({}), code: "ok", lists: true }],
  getThreadState: [{ call: (c, r) => c.threads.getThreadState({ threadId: r.threadId }) }],
  updateThreadState: [{ call: (c, r) => c.threads.updateThreadState({ threadId: r.threadId, values: { messages: [] } }) }],
  listThreadHistory: [{ call: (c, r) => c.threads.listThreadHistory({ threadId: r.threadId }) }],
  listThreadMessages: [{ call: (c, r) => c.threads.listThreadMessages({ threadId: r.threadId }) }],
};

let s: IsolatedService;
let own: Ids;

/** A finished run of the client's user, on its own thread, with the user's feedback on it. */
async function resourcesOf(client: RunsClient): Promise<Ids> {
  const { run: created } = await client.waitRun(run());
  const { feedback } = await client.createRunFeedback({ runId: created!.runId, rating: 1, comment: "mine" });
  return { runId: created!.runId, threadId: created!.threadId, feedbackId: feedback!.feedbackId };
}

/** What B must not be able to change: A's run, its feedback and thread as stored, the thread's state as A reads it. */
async function untouched(ids: Ids) {
  const { stores } = s;
  const [found, feedback, thread, { state }] = await Promise.all([
    stores.runs.get(ids.runId),
    stores.feedback.listByRun(ids.runId),
    stores.threads.get(ids.threadId),
    s.as("alice").threads.getThreadState({ threadId: ids.threadId }),
  ]);
  return { run: found, feedback, thread, checkpointId: state?.checkpointId };
}

const fresh = (): Ids => ({ runId: randomUUID(), threadId: randomUUID(), feedbackId: randomUUID() });

/** A call's answer with every id of `idSets` replaced by its kind, so answers about different ids compare equal. */
async function answer(call: Promise<unknown>, ...idSets: Ids[]): Promise<{ code: Code | "ok"; text: string }> {
  let code: Code | "ok" = "ok";
  let body: unknown;
  try {
    body = await call;
  } catch (error) {
    const e = ConnectError.from(error);
    code = e.code;
    body = { message: e.rawMessage, info: e.findDetails(ErrorInfoSchema).map((d) => ({ reason: d.reason, metadata: d.metadata })) };
  }
  let text = JSON.stringify(body, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v));
  for (const ids of idSets) for (const [kind, id] of Object.entries(ids)) text = text.replaceAll(id, `<${kind}>`);
  return { code, text };
}

const methods = [RunsService, ThreadsService].flatMap((service) => Object.values(service.method));
const tableOf = (method: (typeof methods)[number]) => (method.parent === RunsService ? (RUNS as Record<string, Case[]>) : (THREADS as Record<string, Case[]>))[method.localName];

/** Registers the matrix's tests on the service `open` starts. */
export function isolationMatrix(open: () => Promise<IsolatedService>): void {
  beforeAll(async () => {
    s = await open();
    own = await resourcesOf(s.as("bob"));
  });
  afterAll(() => s.close());

  it("has cases for every method of both services, and for nothing else", () => {
    expect(methods.length).toBeGreaterThanOrEqual(24);
    for (const method of methods) expect(tableOf(method)?.length, method.name).toBeGreaterThan(0);
    expect(Object.keys(RUNS).length + Object.keys(THREADS).length).toBe(methods.length);
  });

  const cases = methods.flatMap((method) => (tableOf(method) ?? []).map((c) => [`${method.parent.name}.${method.name}${c.name ? ` (${c.name})` : ""}`, c] as const));

  describe.each(cases)("%s", (_name, c) => {
    it("answers user B on A's resources exactly as on ids that never existed, also when a backend acts for B; the owner (acted for) gets A's answer", async () => {
      const alice = await resourcesOf(s.as("alice"));
      const before = await untouched(alice);
      const missing = fresh();
      const bob = s.as("bob");
      const onAlices = await answer(c.call(bob, alice), alice, own);
      expect(onAlices.code, onAlices.text).toBe(c.code ?? Code.NotFound);
      const reference = await answer(c.as ? c.as(bob, { missing, own }) : c.call(bob, missing), missing, own);
      expect(onAlices).toEqual(reference);
      expect(onAlices.text).not.toContain("alice");
      // A backend granted users:act_as, acting for B, is B.
      expect(await answer(c.call(s.as("backend", { [ACT_AS_HEADER]: "bob" }), alice), alice, own)).toEqual(onAlices);
      expect(await untouched(alice)).toEqual(before);
      // Acting for A, the backend reaches A's resources as A does.
      const asOwner = await answer(c.call(s.as("backend", { [ACT_AS_HEADER]: "alice" }), alice));
      expect(asOwner.code, asOwner.text).toBe(c.owner ?? "ok");
      if (c.lists) expect(asOwner.text).toContain(alice.threadId);
    });
  });
}
