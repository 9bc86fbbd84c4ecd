// Acting for a user (x-agent-runs-user): only a credential granted
// users:act_as may, the call then is that user's in every respect but its
// permissions, and the log line names both users. Isolation across every RPC
// while acting is in isolation.test.ts; the transports in test/auth.test.ts.
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { SignJWT } from "jose";
import { pino } from "pino";
import { ACT_AS_HEADER } from "../../src/auth/act-as.js";
import { DEFAULT_PERMISSIONS } from "../../src/auth/caller.js";
import type { MemoryRunStore } from "../../src/stores/memory/runs.js";
import { unitService, userInput, type UnitService } from "./harness.js";

const SECRET = "a-test-secret-that-is-long-enough-for-hs256";
const lines: Array<Record<string, unknown>> = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    for (const line of String(chunk).split("\n")) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  },
});

let s: UnitService;
beforeAll(async () => {
  s = await unitService({}, {
    logger: pino({ level: "info" }, sink),
    auth: {
      api_keys: [
        { key: "alice", user_id: "alice" },
        { key: "backend", user_id: "backend", permissions: [...DEFAULT_PERMISSIONS, "users:act_as"] },
        { key: "backend-reader", user_id: "backend-reader", permissions: ["runs:read", "users:act_as"] },
      ],
      jwt: { secret: SECRET },
    },
  });
});
afterAll(() => s.close());

const failure = (call: Promise<unknown>) => call.then(() => null, (e: unknown) => ConnectError.from(e));
const actingAs = (userId: string, key = "backend") => s.as(key, { [ACT_AS_HEADER]: userId });
/** Every run the memory store holds, whoever's. */
const storedRuns = () => (s.app.stores.runs as MemoryRunStore).runs.size;
const run = (text: string) => ({ run: { assistantId: "demo", input: userInput(text) } });

describe("a credential granted users:act_as", () => {
  it("creates and reads as the named user: the run is that user's, as if the user had called", async () => {
    const { run: created } = await actingAs("alice").waitRun(run("for alice"));
    expect(created?.userId).toBe("alice");
    expect((await s.as("alice").getRun({ runId: created!.runId })).run?.userId).toBe("alice");
    // The credential's own user does not own it, nor does any other user acted for.
    expect((await failure(s.as("backend").getRun({ runId: created!.runId })))?.code).toBe(Code.NotFound);
    expect((await failure(actingAs("bob").getRun({ runId: created!.runId })))?.code).toBe(Code.NotFound);
    const { run: own } = await s.as("alice").waitRun(run("alice's own"));
    expect((await actingAs("alice").getRun({ runId: own!.runId })).run?.runId).toBe(own!.runId);
  });

  it("keeps the credential's permissions: a reader acting for alice reads but cannot create", async () => {
    const { run: own } = await s.as("alice").waitRun(run("to read"));
    expect((await actingAs("alice", "backend-reader").getRun({ runId: own!.runId })).run?.runId).toBe(own!.runId);
    const refused = await failure(actingAs("alice", "backend-reader").waitRun(run("no")));
    expect(refused?.code).toBe(Code.PermissionDenied);
    expect(refused?.rawMessage).toBe('permission "runs:create" is required');
  });

  it("works the same from a JWT whose permissions include users:act_as", async () => {
    const token = await new SignJWT({ permissions: ["runs:create", "runs:read", "users:act_as"] })
      .setProtectedHeader({ alg: "HS256" })
      .setSubject("bff")
      .setExpirationTime("5m")
      .sign(new TextEncoder().encode(SECRET));
    const { run: created } = await s.as(token, { [ACT_AS_HEADER]: "alice" }).waitRun(run("jwt for alice"));
    // The header's user id is taken as given: no "jwt:" namespace, it names the user exactly.
    expect(created?.userId).toBe("alice");
  });

  it("logs the user acted for as user_id and the credential's user as acting_user_id", async () => {
    const requestId = "act-as-log";
    const { run: created } = await s.as("backend", { [ACT_AS_HEADER]: "alice", "x-request-id": requestId }).waitRun(run("logged"));
    const line = lines.find((l) => l["request_id"] === requestId);
    expect(line).toMatchObject({ method: "WaitRun", code: "ok", run_id: created!.runId, user_id: "alice", acting_user_id: "backend" });
    await s.as("alice", { "x-request-id": "plain-log" }).getRun({ runId: created!.runId });
    const plain = lines.find((l) => l["request_id"] === "plain-log");
    expect(plain).toMatchObject({ user_id: "alice" });
    expect(plain).not.toHaveProperty("acting_user_id");
  });

  it.each([
    ["empty", ""],
    ["longer than 128 characters", "u".repeat(129)],
    ["holding a control character", "ali\x01ce"],
    ["holding a tab", "ali\tce"],
    ["holding DEL", "alice\x7f"],
  ])("refuses a user id %s with INVALID_ARGUMENT naming the header, storing nothing", async (_what, userId) => {
    const before = storedRuns();
    const refused = await failure(actingAs(userId).waitRun(run("x")));
    expect(refused?.code).toBe(Code.InvalidArgument);
    expect(refused?.rawMessage.startsWith(`${ACT_AS_HEADER}: `)).toBe(true);
    expect(storedRuns()).toBe(before);
  });

  it("accepts a user id of exactly 128 characters", async () => {
    const userId = "u".repeat(128);
    expect((await actingAs(userId).waitRun(run("long id"))).run?.userId).toBe(userId);
  });
});

describe("without users:act_as", () => {
  it("the header is PERMISSION_DENIED, before and whatever its value, and nothing is stored", async () => {
    const before = storedRuns();
    for (const userId of ["bob", ""]) {
      const refused = await failure(s.as("alice", { [ACT_AS_HEADER]: userId }).waitRun(run("as bob")));
      expect(refused?.code).toBe(Code.PermissionDenied);
      expect(refused?.rawMessage).toBe(`permission "users:act_as" is required to send ${ACT_AS_HEADER}`);
    }
    expect(storedRuns()).toBe(before);
  });

  it("a server without auth refuses the header too: its local user holds no users:act_as", async () => {
    const local = await unitService();
    try {
      const refused = await failure(local.as(null, { [ACT_AS_HEADER]: "alice" }).waitRun(run("x")));
      expect(refused?.code).toBe(Code.PermissionDenied);
      expect((await local.client.waitRun(run("y"))).run?.userId).toBe("local");
    } finally {
      await local.close();
    }
  });
});
