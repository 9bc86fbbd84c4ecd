// A thread's state record to its protobuf message.
import { create, fromJson } from "@bufbuild/protobuf";
import { timestampFromDate, ValueSchema } from "@bufbuild/protobuf/wkt";
import { ThreadStateSchema, type ThreadState } from "../../gen/agentruns/v1/threads_pb.js";
import type { ThreadStateRecord } from "../domain/thread-state.js";

export function threadStateToProto(state: ThreadStateRecord): ThreadState {
  return create(ThreadStateSchema, {
    values: state.values,
    next: state.next,
    tasks: state.tasks.map((task) => ({
      id: task.id,
      name: task.name,
      interrupts: task.interrupts.map((i) => ({ id: i.id, value: fromJson(ValueSchema, i.value) })),
      error: task.error ?? "",
    })),
    checkpointId: state.checkpointId ?? "",
    parentCheckpointId: state.parentCheckpointId ?? "",
    metadata: state.metadata,
    ...(state.createdAt && { createTime: timestampFromDate(state.createdAt) }),
  });
}
