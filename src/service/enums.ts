// The contract's enums and the domain's names for them, each table written
// once and read both ways (requests decode, responses encode). Unknown numbers
// never reach these: protovalidate's defined_only rules refuse them first.
import { CancelAction, Durability, MultitaskStrategy, OnDisconnect, RunStatus, StreamMode } from "../../gen/agentruns/v1/runs_pb.js";
import type { CancelActionName, DurabilityName, MultitaskStrategyName, OnDisconnectName, RunStatus as RunStatusName, StreamModeName } from "../domain/records.js";

export function twoWay<P extends number, N extends string>(pairs: ReadonlyArray<readonly [P, N]>, unspecified: N) {
  const toName = new Map<number, N>(pairs);
  const toProto = new Map<N, P>(pairs.map(([p, n]) => [n, p]));
  return {
    name: (value: P): N => toName.get(value) ?? unspecified,
    proto: (name: N): P => toProto.get(name)!,
  };
}

export const STREAM_MODES = twoWay<StreamMode, StreamModeName>(
  [
    [StreamMode.VALUES, "values"],
    [StreamMode.UPDATES, "updates"],
    [StreamMode.MESSAGES, "messages"],
    [StreamMode.CUSTOM, "custom"],
    [StreamMode.DEBUG, "debug"],
    [StreamMode.TASKS, "tasks"],
    [StreamMode.CHECKPOINTS, "checkpoints"],
  ],
  "values",
);

/** UNSPECIFIED means REJECT, as the proto says. */
export const STRATEGIES = twoWay<MultitaskStrategy, MultitaskStrategyName>(
  [
    [MultitaskStrategy.REJECT, "reject"],
    [MultitaskStrategy.INTERRUPT, "interrupt"],
    [MultitaskStrategy.ROLLBACK, "rollback"],
    [MultitaskStrategy.ENQUEUE, "enqueue"],
  ],
  "reject",
);

/** UNSPECIFIED means CANCEL. */
export const ON_DISCONNECT = twoWay<OnDisconnect, OnDisconnectName>(
  [
    [OnDisconnect.CANCEL, "cancel"],
    [OnDisconnect.CONTINUE, "continue"],
  ],
  "cancel",
);

/** UNSPECIFIED means ASYNC, LangGraph's default (a request that leaves it unset keeps no durability). */
export const DURABILITIES = twoWay<Durability, DurabilityName>(
  [
    [Durability.SYNC, "sync"],
    [Durability.ASYNC, "async"],
    [Durability.EXIT, "exit"],
  ],
  "async",
);

/** UNSPECIFIED means INTERRUPT. */
export const CANCEL_ACTIONS = twoWay<CancelAction, CancelActionName>(
  [
    [CancelAction.INTERRUPT, "interrupt"],
    [CancelAction.ROLLBACK, "rollback"],
  ],
  "interrupt",
);

export const RUN_STATUSES = twoWay<RunStatus, RunStatusName>(
  [
    [RunStatus.PENDING, "pending"],
    [RunStatus.RUNNING, "running"],
    [RunStatus.SUCCESS, "success"],
    [RunStatus.ERROR, "error"],
    [RunStatus.INTERRUPTED, "interrupted"],
    [RunStatus.TIMEOUT, "timeout"],
  ],
  "pending",
);
