// A thread's checkpointed state over HTTP: get (latest or at a checkpoint),
// update (fork a checkpoint as if a node wrote the values), history. Bodies
// are decoded into the contract's requests and through the RPCs' own checks.
import { create, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { GetThreadStateRequestSchema, ListThreadHistoryRequestSchema, UpdateThreadStateRequestSchema } from "../../../gen/agentruns/v1/threads_pb.js";
import { checkContract } from "../../service/contract.js";
import { parseGetThreadState, parseListThreadHistory, parseUpdateThreadState } from "../../service/validate-threads.js";
import type { HttpDeps } from "../deps.js";
import { route, type AnyRoute } from "../router.js";
import { jsonObject, resourceId, z } from "../validation.js";
import { threadStateJson } from "../wire.js";
import { threadStateSchema } from "./schemas.js";

const tag = "threads";
const threadParams = z.strictObject({ thread_id: resourceId });
const checkpointId = z.string().regex(/^[0-9A-Za-z-]{1,128}$/, "must be a checkpoint id");
/** The Platform's checkpoint reference, `{checkpoint_id, checkpoint_ns: ""}`. */
const checkpointRef = z.strictObject({ checkpoint_id: checkpointId.optional(), checkpoint_ns: z.literal("").optional(), thread_id: resourceId.optional() });
/** `before` as the SDK sends it: a config `{configurable: {checkpoint_id}}`, or a checkpoint reference. */
const beforeRef = z.union([z.strictObject({ configurable: checkpointRef }), checkpointRef]);

/** `init` as the contract's request, checked by its rules. */
function contract<S extends DescMessage>(deps: HttpDeps, schema: S, init: MessageInitShape<S>) {
  const message = create(schema, init);
  checkContract(deps.validator, schema, message);
  return message;
}

export function threadStateRoutes(deps: HttpDeps): AnyRoute[] {
  const getState = async (threadId: string, checkpoint: string, userId: string) => {
    const req = parseGetThreadState(contract(deps, GetThreadStateRequestSchema, { threadId, checkpointId: checkpoint }));
    return threadStateJson(req.threadId, await deps.app.threadState.get(req.threadId, req.checkpointId, userId));
  };
  return [
    route({
      method: "get", path: "/threads/:thread_id/state", tag, summary: "The thread's latest state", permission: "threads:read", params: threadParams,
      query: z.strictObject({ subgraphs: z.enum(["false", "0"]).optional() }), response: threadStateSchema,
      handle: async ({ params, caller, c }) => c.json(await getState(params.thread_id, "", caller.userId)),
    }),
    route({
      method: "get", path: "/threads/:thread_id/state/:checkpoint_id", tag, summary: "The thread's state at a checkpoint", permission: "threads:read",
      params: z.strictObject({ thread_id: resourceId, checkpoint_id: checkpointId }), query: z.strictObject({ subgraphs: z.enum(["false", "0"]).optional() }), response: threadStateSchema,
      handle: async ({ params, caller, c }) => c.json(await getState(params.thread_id, params.checkpoint_id, caller.userId)),
    }),
    route({
      method: "post", path: "/threads/:thread_id/state/checkpoint", tag, summary: "The thread's state at a checkpoint given as a reference", permission: "threads:read", params: threadParams,
      body: z.strictObject({ checkpoint: checkpointRef, subgraphs: z.literal(false).optional() }), response: threadStateSchema,
      handle: async ({ params, body, caller, c }) => c.json(await getState(params.thread_id, body.checkpoint.checkpoint_id ?? "", caller.userId)),
    }),
    route({
      method: "post", path: "/threads/:thread_id/state", tag, summary: "Write values as a node would, forking a new checkpoint", permission: "threads:write", params: threadParams,
      body: z.strictObject({ values: jsonObject.nullable(), as_node: z.string().optional(), checkpoint_id: checkpointId.optional(), checkpoint: checkpointRef.optional() }),
      response: z.object({ checkpoint: z.object({ thread_id: z.string(), checkpoint_ns: z.string(), checkpoint_id: z.string() }) }),
      async handle({ params, body, caller, c }) {
        const init = { threadId: params.thread_id, values: (body.values ?? {}) as never, asNode: body.as_node ?? "", checkpointId: body.checkpoint_id ?? body.checkpoint?.checkpoint_id ?? "" };
        const { threadId, update } = parseUpdateThreadState(contract(deps, UpdateThreadStateRequestSchema, init));
        const id = await deps.app.threadState.update(threadId, update, caller.userId);
        return c.json({ checkpoint: { thread_id: threadId, checkpoint_ns: "", checkpoint_id: id } });
      },
    }),
    route({
      method: "post", path: "/threads/:thread_id/history", tag, summary: "The thread's checkpoints, newest first", permission: "threads:read", params: threadParams,
      body: z.strictObject({ limit: z.number().int().min(1).max(200).default(10), before: beforeRef.nullish(), metadata: jsonObject.nullish(), checkpoint: checkpointRef.nullish() }),
      response: z.array(threadStateSchema),
      async handle({ params, body, caller, c }) {
        const before = body.before ? ("configurable" in body.before ? body.before.configurable : body.before).checkpoint_id : undefined;
        const init = { threadId: params.thread_id, pageSize: body.limit, beforeCheckpointId: before ?? "", metadata: (body.metadata ?? undefined) as never };
        const { threadId, request } = parseListThreadHistory(contract(deps, ListThreadHistoryRequestSchema, init));
        const page = await deps.app.threadState.history(threadId, request, caller.userId);
        return c.json(page.states.map((s) => threadStateJson(threadId, s)));
      },
    }),
  ];
}
