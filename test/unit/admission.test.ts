// The multitask decision is a pure function of the strategy and the thread.
import { describe, expect, it } from "vitest";
import { admit } from "../../src/application/runs/admission.js";
import { newRun } from "../helpers/records.js";

const active = [newRun({ status: "running" }), newRun()];

describe("admit", () => {
  it("reject: refuses on a busy thread, by its active runs or by its holder", () => {
    expect(admit("reject", active, false)).toEqual({ kind: "refuse" });
    expect(admit("reject", [], true)).toEqual({ kind: "refuse" });
  });

  it("reject: claims a free thread", () => {
    expect(admit("reject", [], false)).toEqual({ kind: "claim" });
  });

  it.each(["interrupt", "rollback"] as const)("%s: cancels every active run with that action, then queues", (strategy) => {
    expect(admit(strategy, active, true)).toEqual({ kind: "queue", cancel: active, action: strategy });
  });

  it("enqueue: cancels nothing and queues, busy or not", () => {
    expect(admit("enqueue", active, true)).toEqual({ kind: "queue", cancel: [], action: null });
    expect(admit("enqueue", [], false)).toEqual({ kind: "queue", cancel: [], action: null });
  });
});
