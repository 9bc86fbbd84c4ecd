// grpc.health.v1 Watch is unauthenticated, so its cost must not grow with the
// number of watchers: one readiness check per interval, pushed to all of them.
import { setMaxListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createClient, createRouterTransport } from "@connectrpc/connect";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../gen/grpc/health/v1/health_pb.js";
import { healthRoutes } from "../src/server/health.js";

const INTERVAL_MS = 1000;
const WATCHERS = 50;

describe("health Watch with many watchers", () => {
  let serving: boolean;
  const ready = vi.fn(async () => serving);
  beforeEach(() => {
    serving = true;
    ready.mockClear();
    // Only the poll interval and the clock are faked: the router transport keeps its real timers.
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
  });
  afterEach(() => vi.useRealTimers());

  it("asks readiness once per interval however many watch, and pushes each change to all of them", async () => {
    const client = createClient(Health, createRouterTransport(healthRoutes(ready, undefined, { watchPollMs: INTERVAL_MS })));
    const stop = new AbortController();
    setMaxListeners(WATCHERS + 1, stop.signal); // one per watcher, on the test's side
    const seen: Status[][] = Array.from({ length: WATCHERS }, () => []);
    const watchers = seen.map(async (statuses) => {
      try {
        for await (const res of client.watch({ service: "" }, { signal: stop.signal })) statuses.push(res.status);
      } catch {
        // cancelled by the test
      }
    });
    await expect.poll(() => seen.every((s) => s.length === 1)).toBe(true);
    expect(ready).toHaveBeenCalledTimes(1);

    serving = false;
    await vi.advanceTimersByTimeAsync(INTERVAL_MS);
    await expect.poll(() => seen.every((s) => s.at(-1) === Status.NOT_SERVING)).toBe(true);
    expect(ready).toHaveBeenCalledTimes(2);

    // Unchanged status: one check per interval, nothing sent.
    for (let i = 0; i < 3; i++) {
      await vi.advanceTimersByTimeAsync(INTERVAL_MS);
      await expect.poll(() => ready.mock.calls.length).toBe(3 + i);
    }
    expect(seen.every((s) => s.join() === [Status.SERVING, Status.NOT_SERVING].join())).toBe(true);

    // Once every watcher has gone, the loop stops asking.
    stop.abort();
    await Promise.all(watchers);
    await vi.advanceTimersByTimeAsync(5 * INTERVAL_MS);
    expect(ready).toHaveBeenCalledTimes(5);
  });

  it("Check and List share one readiness call in flight", async () => {
    let answer = (_: boolean) => {};
    ready.mockImplementationOnce(() => new Promise<boolean>((resolve) => (answer = resolve)));
    const client = createClient(Health, createRouterTransport(healthRoutes(ready)));
    const checks = Array.from({ length: WATCHERS }, () => client.check({ service: "" }));
    const list = client.list({});
    await expect.poll(() => ready.mock.calls.length).toBe(1);
    answer(true);
    for (const res of await Promise.all(checks)) expect(res.status).toBe(Status.SERVING);
    expect((await list).statuses[""]?.status).toBe(Status.SERVING);
    expect(ready).toHaveBeenCalledTimes(1);
  });
});
