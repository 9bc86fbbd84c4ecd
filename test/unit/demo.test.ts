// Issue 15 item 6: the built-in `demo` assistant can be left out, and its
// knobs, which any caller can turn, are capped (clamped, see DEMO_KNOB_CAPS).
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { RunStatus, StreamMode } from "../../gen/agentruns/v1/runs_pb.js";
import { loadConfig } from "../../src/config.js";
import { DEMO_KNOB_CAPS, knobs } from "../../src/runtime/demo-graph.js";
import { endStatus, events } from "../helpers/events.js";
import { collect, unitService, userInput } from "./harness.js";

describe("the demo assistant", () => {
  it("is on unless --no-demo or AGENT_RUNS_DEMO=false, graphs file or not", () => {
    expect(loadConfig([], {}).demo).toBe(true);
    expect(loadConfig(["--graphs", "graphs.json"], {}).demo).toBe(true);
    expect(loadConfig(["--no-demo"], {}).demo).toBe(false);
    expect(loadConfig([], { AGENT_RUNS_DEMO: "false" }).demo).toBe(false);
    expect(loadConfig(["--demo"], { AGENT_RUNS_DEMO: "false" }).demo).toBe(true);
    expect(() => loadConfig([], { AGENT_RUNS_DEMO: "no" })).toThrow('--demo: expected true or false, got "no" (from AGENT_RUNS_DEMO)');
  });

  it("turned off, is an unknown assistant: NOT_FOUND", async () => {
    const s = await unitService({ demo: false });
    try {
      expect(s.app.application.graphs.ids()).not.toContain("demo");
      const error = await s.client.waitRun({ run: { assistantId: "demo", input: userInput("hi") } }).then(
        () => null,
        (e: unknown) => ConnectError.from(e),
      );
      expect(error?.code).toBe(Code.NotFound);
      expect(error?.rawMessage).toContain("demo");
    } finally {
      await s.close();
    }
  });

  it("clamps custom_events to its cap: the run emits that many and ends SUCCESS", async () => {
    const s = await unitService();
    try {
      const run = { assistantId: "demo", input: userInput("x"), streamMode: [StreamMode.CUSTOM], context: { custom_events: 1_000_000 } };
      const responses = await collect(s.client.streamRun({ run }));
      const custom = events(responses).flatMap((e) => (e.kind.case === "part" && e.kind.value.mode === StreamMode.CUSTOM ? [e.kind.value.data] : []));
      expect(custom).toHaveLength(DEMO_KNOB_CAPS.customEvents);
      expect(toJson(ValueSchema, custom[0]!)).toEqual({ progress: 1, of: DEMO_KNOB_CAPS.customEvents });
      expect(endStatus(responses)).toBe(RunStatus.SUCCESS);
    } finally {
      await s.close();
    }
  });

  it("clamps delay_ms to its cap, and keeps the values the tests and the bench use", () => {
    const of = (context: Record<string, unknown>) => knobs({ context } as Parameters<typeof knobs>[0]);
    expect(of({ delay_ms: 600_000, custom_events: 1_000_000 })).toMatchObject({ delayMs: DEMO_KNOB_CAPS.delayMs, customEvents: DEMO_KNOB_CAPS.customEvents });
    expect(DEMO_KNOB_CAPS).toEqual({ delayMs: 120_000, customEvents: 10_000 });
    expect(of({ delay_ms: 60_000, custom_events: 50 })).toMatchObject({ delayMs: 60_000, customEvents: 50 });
    expect(of({ delay_ms: -5, custom_events: "lots" })).toMatchObject({ delayMs: 0, customEvents: 0 });
  });
});
