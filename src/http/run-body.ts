// The LangGraph Platform's RunCreate body, decoded into the RPC contract's
// RunCreate message and then through exactly the checks a StreamRun gets
// (protovalidate rules, then service/validate.ts): one definition of a valid
// run for every protocol. Fields of the Platform's body this service does not
// support are refused by name with 422, never dropped (LangGraph fields that
// only make sense for LangSmith or cron scheduling).
import { create } from "@bufbuild/protobuf";
import type { Validator } from "@bufbuild/protovalidate";
import { Durability, MultitaskStrategy, RunCreateSchema, StreamMode, type RunCreate } from "../../gen/agentruns/v1/runs_pb.js";
import type { Application, RunSpec } from "../application/index.js";
import type { JsonObject } from "../domain/records.js";
import { checkContract } from "../service/contract.js";
import { DURABILITIES, ON_DISCONNECT, STRATEGIES } from "../service/enums.js";
import { parseRunCreate } from "../service/validate.js";
import { unprocessable } from "./errors.js";
import { jsonObject, parseWith, z } from "./validation.js";

/** The Platform's stream modes and ours; "messages-tuple" is LangGraph's own messages mode. */
const MODES = { values: StreamMode.VALUES, updates: StreamMode.UPDATES, "messages-tuple": StreamMode.MESSAGES, custom: StreamMode.CUSTOM, debug: StreamMode.DEBUG, tasks: StreamMode.TASKS, checkpoints: StreamMode.CHECKPOINTS } as const;
const modeName = z.enum(["values", "updates", "messages-tuple", "custom", "debug", "tasks", "checkpoints", "messages", "events"]);
const nodes = z.union([z.literal("*"), z.array(z.string())]);

export const runCreateBody = z.strictObject({
  assistant_id: z.string().min(1).describe("The graph to run (see POST /assistants/search)."),
  input: jsonObject.nullish(),
  command: jsonObject.nullish().describe("A LangGraph Command: resume, goto, update."),
  config: jsonObject.nullish(),
  context: jsonObject.nullish(),
  metadata: jsonObject.nullish(),
  stream_mode: z.union([modeName, z.array(modeName)]).nullish(),
  stream_subgraphs: z.boolean().nullish(),
  stream_resumable: z.boolean().nullish().describe("Accepted for compatibility: every run's events are stored and resumable."),
  interrupt_before: nodes.nullish(),
  interrupt_after: nodes.nullish(),
  checkpoint_id: z.string().nullish(),
  checkpoint: z.strictObject({ checkpoint_id: z.string().nullish(), checkpoint_ns: z.literal("").nullish() }).nullish(),
  multitask_strategy: z.enum(["reject", "interrupt", "rollback", "enqueue"]).nullish(),
  on_disconnect: z.enum(["cancel", "continue"]).nullish(),
  if_not_exists: z.enum(["create", "reject"]).nullish().describe("For a run on a thread that does not exist: create it, or 404 (LangGraph's default)."),
  on_completion: z.literal("keep").nullish().describe("Threads are kept; 'delete' is not supported."),
  durability: z.enum(["sync", "async", "exit"]).nullish(),
  checkpoint_during: z.boolean().nullish().describe("Deprecated by LangGraph: true is durability async, false is exit."),
  webhook: z.string().nullish(),
  timeout_seconds: z.number().int().nullish().describe("agent-runs' own: the run's time limit (1..604800); unset: the server's default."),
});

export type RunCreateBody = z.output<typeof runCreateBody>;

export interface RunDefaults {
  onDisconnect: "cancel" | "continue";
}

function streamModes(value: RunCreateBody["stream_mode"]): StreamMode[] {
  const names = value == null ? [] : Array.isArray(value) ? value : [value];
  return names.map((name, i) => {
    if (name === "messages" || name === "events") {
      const field = Array.isArray(value) ? `stream_mode[${i}]` : "stream_mode";
      throw unprocessable(field, `"${name}" is not supported; use "messages-tuple" for LLM tokens`);
    }
    return MODES[name];
  });
}

const nodeList = (value: "*" | string[] | null | undefined) => (value == null ? [] : value === "*" ? ["*"] : value);

function durability(body: RunCreateBody): Durability {
  const name = body.durability ?? (body.checkpoint_during == null ? null : body.checkpoint_during ? "async" : "exit");
  return name === null ? Durability.UNSPECIFIED : DURABILITIES.proto(name);
}

function toRunCreate(body: RunCreateBody, threadId: string | null, defaults: RunDefaults): RunCreate {
  const onDisconnect = body.on_disconnect ?? defaults.onDisconnect;
  return create(RunCreateSchema, {
    assistantId: body.assistant_id,
    threadId: threadId ?? "",
    ...(body.input != null && { input: body.input as JsonObject }),
    ...(body.command != null && { command: body.command as JsonObject }),
    ...(body.config != null && { config: body.config as JsonObject }),
    ...(body.context != null && { context: body.context as JsonObject }),
    ...(body.metadata != null && { metadata: body.metadata as JsonObject }),
    streamMode: streamModes(body.stream_mode),
    multitaskStrategy: body.multitask_strategy ? STRATEGIES.proto(body.multitask_strategy) : MultitaskStrategy.UNSPECIFIED,
    onDisconnect: ON_DISCONNECT.proto(onDisconnect),
    interruptBefore: nodeList(body.interrupt_before),
    interruptAfter: nodeList(body.interrupt_after),
    checkpointId: body.checkpoint_id ?? body.checkpoint?.checkpoint_id ?? "",
    streamSubgraphs: body.stream_subgraphs ?? false,
    ...(body.timeout_seconds != null && { timeoutSeconds: body.timeout_seconds }),
    durability: durability(body),
    webhook: body.webhook ?? "",
  });
}

/** A raw JSON body as a run of `threadId` (null: the body's config, else a new thread): 422 naming the field for anything wrong. */
export function runSpecOf(raw: unknown, threadId: string | null, app: Application, validator: Validator, defaults: RunDefaults): { spec: RunSpec; body: RunCreateBody } {
  const body = parseWith(runCreateBody, raw);
  const message = toRunCreate(body, threadId, defaults);
  checkContract(validator, RunCreateSchema, message);
  return { spec: parseRunCreate(message, app.graphs, app.webhooks), body };
}
