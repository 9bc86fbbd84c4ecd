// The JSON shapes the routes answer with, for the OpenAPI document (wire.ts
// writes them; these describe them).
import { jsonObject, z } from "../validation.js";

const time = z.string().describe("ISO 8601");
const runStatus = z.enum(["pending", "running", "success", "error", "interrupted", "timeout"]);
export const threadStatus = z.enum(["idle", "busy", "interrupted", "error"]);

export const runSchema = z.object({
  run_id: z.string(),
  thread_id: z.string(),
  assistant_id: z.string(),
  created_at: time,
  updated_at: time,
  status: runStatus,
  metadata: jsonObject,
  multitask_strategy: z.enum(["reject", "interrupt", "rollback", "enqueue"]),
  kwargs: jsonObject,
});

export const threadSchema = z.object({
  thread_id: z.string(),
  created_at: time,
  updated_at: time,
  metadata: jsonObject,
  status: threadStatus,
  values: jsonObject.nullable(),
  interrupts: jsonObject,
});

export const threadStateSchema = z.object({
  values: jsonObject,
  next: z.array(z.string()),
  tasks: z.array(jsonObject),
  checkpoint: z.object({ thread_id: z.string(), checkpoint_ns: z.string(), checkpoint_id: z.string().nullable() }),
  metadata: jsonObject,
  created_at: time.nullable(),
  parent_checkpoint: z.object({ thread_id: z.string(), checkpoint_ns: z.string(), checkpoint_id: z.string() }).nullable(),
});

export const messagePageSchema = z.object({
  data: z.array(jsonObject),
  has_more: z.boolean(),
});

export { runStatus };
