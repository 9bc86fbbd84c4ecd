// The in-process wake-ups: readers are woken by notifications, and the
// versions kept stay bounded by the runs notified recently.
import { describe, expect, it } from "vitest";
import { EventBus } from "../../src/application/runs/event-bus.js";

describe("EventBus", () => {
  it("wakes a waiter on notify, and at once when a notification came between reading and waiting", async () => {
    const bus = new EventBus();
    const seen = bus.version("r");
    const waiting = bus.wait("r", seen, 60_000);
    bus.notify("r");
    expect(await waiting).toBe(true);
    const stale = bus.version("r");
    bus.notify("r");
    expect(await bus.wait("r", stale, 60_000)).toBe(true);
  });

  it("forgets the versions of runs nobody waits on and nobody notified for a minute", () => {
    const bus = new EventBus();
    const t0 = 1_000_000;
    for (let i = 0; i < 5_000; i++) bus.notify(`queued-${i}`, t0);
    expect(bus.size).toBe(5_000);
    bus.notify("live", t0 + 61_000);
    bus.sweep(t0 + 61_000);
    expect(bus.size).toBe(1);
    expect(bus.version("live")).toBe(1);
  });

  it("keeps the version of a run someone waits on, and wakes a reader whose version was dropped", async () => {
    const bus = new EventBus();
    bus.notify("watched", 0);
    const seen = bus.version("watched");
    const waiting = bus.wait("watched", seen, 60_000);
    bus.sweep(120_000);
    expect(bus.version("watched")).toBe(seen);
    bus.notify("watched");
    expect(await waiting).toBe(true);
    bus.notify("dropped", 0);
    const old = bus.version("dropped");
    bus.sweep(120_000);
    expect(await bus.wait("dropped", old, 60_000)).toBe(true);
  });

  it("sweeps on its own as notifications go by", () => {
    const bus = new EventBus();
    for (let i = 0; i < 999; i++) bus.notify(`old-${i}`, 0);
    bus.notify("new", 100_000);
    expect(bus.size).toBe(1);
  });
});
