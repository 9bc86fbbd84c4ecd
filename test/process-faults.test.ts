// Faults a graph causes outside its run's promise chain, in a real process
// (they concern the process, so a test server inside vitest cannot show them):
// an unhandled rejection is logged and the server keeps serving; an uncaught
// exception is logged, the process drains and exits non-zero.
import { fileURLToPath } from "node:url";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { afterEach, describe, expect, it } from "vitest";
import { RunsService, RunStatus } from "../gen/agentruns/v1/runs_pb.js";
import { REJECTION_MESSAGE, THROW_MESSAGE } from "./fixtures/misbehaving-graphs/graphs.js";
import { spawnService, type ServiceProcess } from "./helpers/process.js";
import { userInput } from "./helpers/server.js";

const GRAPHS = fileURLToPath(new URL("./fixtures/misbehaving-graphs/langgraph.json", import.meta.url));

let service: ServiceProcess | undefined;
afterEach(async () => {
  await service?.stop("SIGKILL");
  service = undefined;
});

async function start() {
  service = await spawnService(["--graphs", GRAPHS, "--drain-ms", "200"]);
  const client = createClient(RunsService, createConnectTransport({ baseUrl: service.url, httpVersion: "1.1" }));
  return { service, client };
}

describe("a graph's faults outside its run", () => {
  it("an unhandled rejection is logged at error, its run ends SUCCESS and the process keeps serving", async () => {
    const { service, client } = await start();
    const run = await client.waitRun({ run: { assistantId: "unawaited_rejection", input: userInput("x") } });
    // The node returned normally: the rejection was never the run's.
    expect(run.run?.status).toBe(RunStatus.SUCCESS);
    await expect.poll(() => service.logs()).toContain(REJECTION_MESSAGE);
    const line = service.logs().split("\n").find((l) => l.includes(REJECTION_MESSAGE))!;
    expect(JSON.parse(line)).toMatchObject({ level: 50, msg: expect.stringContaining("unhandled promise rejection") });
    const after = await client.waitRun({ run: { assistantId: "demo", input: userInput("still serving") } });
    expect(after.run?.status).toBe(RunStatus.SUCCESS);
    expect(service.child.exitCode).toBeNull();
  });

  it("an uncaught exception is logged as fatal, then the process drains and exits 1", async () => {
    const { service, client } = await start();
    await client.waitRun({ run: { assistantId: "timer_throw", input: userInput("x") } }).catch(() => undefined);
    expect(await service.exited).toBe(1);
    const logs = service.logs().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
    const fatal = logs.findIndex((l) => l["level"] === 60 && JSON.stringify(l).includes(THROW_MESSAGE));
    const draining = logs.findIndex((l) => l["msg"] === "draining");
    expect(fatal).toBeGreaterThanOrEqual(0);
    expect(draining).toBeGreaterThan(fatal);
  });
});
