// Authentication and isolation: API keys and JWTs (HS256 secret, JWKS file)
// map to users and permissions; another user's run is NOT_FOUND on every RPC.
import { randomUUID } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { RunsService } from "../gen/agentruns/v1/runs_pb.js";
import { Health, HealthCheckResponse_ServingStatus } from "../gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../gen/grpc/reflection/v1/reflection_pb.js";
import { ACT_AS_HEADER } from "../src/auth/act-as.js";
import { createAuthenticator, type JwtConfig } from "../src/auth/authenticator.js";
import { DEFAULT_PERMISSIONS } from "../src/auth/caller.js";
import { collect, startTestServer, userInput, type RunsClient, type TestServer } from "./helpers/server.js";

const SECRET = "a-test-secret-that-is-long-enough-for-hs256";
let t: TestServer;
let rsaPrivate: CryptoKey;

function as(token: string | null, transport: "connect" | "grpc" = "connect"): RunsClient {
  const interceptors = token ? [(next: any) => (req: any) => (req.header.set("authorization", `Bearer ${token}`), next(req))] : [];
  const tr =
    transport === "grpc"
      ? createGrpcTransport({ baseUrl: t.url, interceptors })
      : createConnectTransport({ baseUrl: t.url, httpVersion: "1.1", interceptors });
  return createClient(RunsService, tr);
}

beforeAll(async () => {
  const { publicKey, privateKey } = await generateKeyPair("RS256", { extractable: true });
  rsaPrivate = privateKey as CryptoKey;
  const dir = await mkdtemp(join(tmpdir(), "agent-runs-auth-"));
  const jwksFile = join(dir, "jwks.json");
  await writeFile(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256" }] }));
  t = await startTestServer({}, {
    auth: {
      api_keys: [
        { key: "alice-key", user_id: "alice" },
        { key: "bob-key", user_id: "bob" },
        { key: "reader-key", user_id: "alice", permissions: ["runs:read"] },
        { key: "creator-key", user_id: "carol", permissions: ["runs:create"] },
        { key: "backend-key", user_id: "backend", permissions: [...DEFAULT_PERMISSIONS, "users:act_as"] },
      ],
      jwt: { secret: SECRET, issuer: "tests" },
    },
  });
  // A second server verifying RS256 tokens against a JWKS file.
  jwksServer = await startTestServer({}, { auth: { jwt: { jwks_file: jwksFile } } });
});
let jwksServer: TestServer;
afterAll(async () => {
  await t.stop();
  await jwksServer.stop();
});

async function code(p: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await p;
    return "ok";
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectError);
    return (error as ConnectError).code;
  }
}

describe("authentication", () => {
  it("without credentials answers UNAUTHENTICATED", async () => {
    expect(await code(as(null).getRun({ runId: randomUUID() }))).toBe(Code.Unauthenticated);
    expect(await code(collect(as(null, "grpc").streamRun({ run: { assistantId: "demo" } })))).toBe(Code.Unauthenticated);
  });

  it("with a wrong key or a malformed header answers UNAUTHENTICATED", async () => {
    expect(await code(as("wrong-key").getRun({ runId: randomUUID() }))).toBe(Code.Unauthenticated);
    const res = await fetch(`${t.url}/agentruns.v1.RunsService/GetRun`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Basic abc" },
      body: "{}",
    });
    expect(((await res.json()) as { code: string }).code).toBe("unauthenticated");
  });

  it("accepts an HS256 JWT and refuses a bad signature, a wrong issuer, an expired token", async () => {
    const sign = (claims: Record<string, unknown>, secret = SECRET, issuer = "tests", exp = "5m") =>
      new SignJWT(claims).setProtectedHeader({ alg: "HS256" }).setSubject("dave").setIssuer(issuer).setIssuedAt().setExpirationTime(exp).sign(new TextEncoder().encode(secret));
    const good = await sign({ permissions: ["runs:create", "runs:read"] });
    const res = await as(good).waitRun({ run: { assistantId: "demo", input: userInput("jwt") } });
    expect(res.run?.userId).toBe("jwt:dave");
    expect(await code(as(await sign({}, "another-secret-another-secret-another")).getRun({ runId: res.run!.runId }))).toBe(Code.Unauthenticated);
    expect(await code(as(await sign({}, SECRET, "someone-else")).getRun({ runId: res.run!.runId }))).toBe(Code.Unauthenticated);
    expect(await code(as(await sign({}, SECRET, "tests", "-1m")).getRun({ runId: res.run!.runId }))).toBe(Code.Unauthenticated);
    const scoped = await sign({ scope: "runs:read" });
    expect(await code(as(scoped).getRun({ runId: res.run!.runId }))).toBe("ok");
    expect(await code(as(scoped).cancelRun({ runId: res.run!.runId }))).toBe(Code.PermissionDenied);
  });

  it("accepts an RS256 JWT verified against a JWKS file", async () => {
    const token = await new SignJWT({ permissions: ["runs:create"] })
      .setProtectedHeader({ alg: "RS256", kid: "k1" })
      .setSubject("erin")
      .setExpirationTime("5m")
      .sign(rsaPrivate);
    const client = createClient(
      RunsService,
      createConnectTransport({ baseUrl: jwksServer.url, httpVersion: "1.1", interceptors: [(next) => (req) => (req.header.set("authorization", `Bearer ${token}`), next(req))] }),
    );
    const res = await client.waitRun({ run: { assistantId: "demo", input: userInput("jwks") } });
    expect(res.run?.userId).toBe("jwt:erin");
  });
});

describe("public services ignore credentials", () => {
  it("health and reflection answer whatever the authorization header holds; RunsService still refuses it", async () => {
    for (const authorization of ["Bearer garbage", "Bearer a.b.c", "Basic abc"]) {
      const transport = createGrpcTransport({ baseUrl: t.url, interceptors: [(next) => (req) => (req.header.set("authorization", authorization), next(req))] });
      expect((await createClient(Health, transport).check({ service: "" })).status).toBe(HealthCheckResponse_ServingStatus.SERVING);
      const reflection = createClient(ServerReflection, transport).serverReflectionInfo(
        (async function* () {
          yield { messageRequest: { case: "listServices" as const, value: "" } };
        })(),
      );
      for await (const res of reflection) expect(res.messageResponse.case).toBe("listServicesResponse");
      expect(await code(createClient(RunsService, transport).getRun({ runId: randomUUID() }))).toBe(Code.Unauthenticated);
    }
  });
});

describe("JWT claims and identities", () => {
  const now = () => Math.floor(Date.now() / 1000);
  /** An HS256 token for `sub` from the test issuer; `claims` may set or drop (undefined) exp and iat. */
  const token = (sub: string, claims: Record<string, unknown> = {}) => {
    const all: Record<string, unknown> = { sub, iss: "tests", iat: now(), exp: now() + 300, permissions: ["runs:create", "runs:read"], ...claims };
    for (const [k, v] of Object.entries(all)) if (v === undefined) delete all[k];
    return new SignJWT(all).setProtectedHeader({ alg: "HS256" }).sign(new TextEncoder().encode(SECRET));
  };

  it("refuses a token without exp and one issued in the future; allows the clock tolerance (30 s)", async () => {
    const noExp = await as(await token("dave", { exp: undefined })).getRun({ runId: randomUUID() }).catch((e: ConnectError) => e);
    expect(noExp).toMatchObject({ code: Code.Unauthenticated, rawMessage: expect.stringContaining('"exp"') });
    expect(await code(as(await token("dave", { iat: now() + 120 })).getRun({ runId: randomUUID() }))).toBe(Code.Unauthenticated);
    expect(await code(as(await token("dave", { iat: now() + 10 })).getRun({ runId: randomUUID() }))).toBe(Code.NotFound);
    expect(await code(as(await token("dave", { exp: now() - 10 })).getRun({ runId: randomUUID() }))).toBe(Code.NotFound);
  });

  it("keeps JWT subjects apart from API-key users: sub alice cannot read API-key alice's run", async () => {
    const mine = await as("alice-key").waitRun({ run: { assistantId: "demo", input: userInput("api-key alice") } });
    expect(mine.run?.userId).toBe("alice");
    const jwtAlice = as(await token("alice"));
    expect(await code(jwtAlice.getRun({ runId: mine.run!.runId }))).toBe(Code.NotFound);
    expect(await code(jwtAlice.waitRun({ run: { assistantId: "demo", threadId: mine.run!.threadId, input: userInput("x") } }))).toBe(Code.NotFound);
    const own = await jwtAlice.waitRun({ run: { assistantId: "demo", input: userInput("jwt alice") } });
    expect(own.run?.userId).toBe("jwt:alice");
    expect(await code(as("alice-key").getRun({ runId: own.run!.runId }))).toBe(Code.NotFound);
    // Nor does sub "local" become the user that owned everything before auth was on.
    expect((await as(await token("local")).waitRun({ run: { assistantId: "demo", input: userInput("l") } })).run?.userId).toBe("jwt:local");
  });

  it("maps subjects onto API-key user ids only when the config says user_namespace \"\"; the tolerance is configurable", async () => {
    const callerFor = async (jwt: Omit<JwtConfig, "secret" | "issuer">, jws: string) => {
      const authenticate = await createAuthenticator({ jwt: { secret: SECRET, issuer: "tests", ...jwt } });
      return authenticate(new Headers({ authorization: `Bearer ${jws}` }));
    };
    expect((await callerFor({ user_namespace: "" }, await token("alice")))?.userId).toBe("alice");
    expect((await callerFor({ user_namespace: "corp/" }, await token("alice")))?.userId).toBe("corp/alice");
    await expect(callerFor({ clock_tolerance_s: 0 }, await token("alice", { iat: now() + 10 }))).rejects.toMatchObject({ code: Code.Unauthenticated });
    await expect(callerFor({ max_token_age_s: 60 }, await token("alice", { iat: now() - 600 }))).rejects.toMatchObject({ code: Code.Unauthenticated });
    await expect(createAuthenticator({ jwt: { secret: SECRET, clock_tolerance_s: -1 } })).rejects.toThrow(/clock_tolerance_s/);
  });
});

describe("permissions", () => {
  it("each RPC needs its permission, else PERMISSION_DENIED", async () => {
    const mine = await as("alice-key").waitRun({ run: { assistantId: "demo", input: userInput("perm") } });
    const runId = mine.run!.runId;
    const reader = as("reader-key");
    expect(await code(reader.getRun({ runId }))).toBe("ok");
    expect(await code(reader.listRunMessages({ runId }))).toBe("ok");
    expect(await code(reader.listRunFeedback({ runId }))).toBe("ok");
    expect(await code(collect(reader.joinRun({ runId })))).toBe("ok");
    expect(await code(reader.waitRun({ run: { assistantId: "demo" } }))).toBe(Code.PermissionDenied);
    expect(await code(collect(reader.streamRun({ run: { assistantId: "demo" } })))).toBe(Code.PermissionDenied);
    expect(await code(reader.cancelRun({ runId }))).toBe(Code.PermissionDenied);
    expect(await code(reader.createRunFeedback({ runId, rating: 1 }))).toBe(Code.PermissionDenied);
    expect(await code(reader.deleteRunFeedback({ runId, feedbackId: randomUUID() }))).toBe(Code.PermissionDenied);
    const creator = as("creator-key");
    expect(await code(creator.waitRun({ run: { assistantId: "demo", input: userInput("c") } }))).toBe("ok");
    expect(await code(creator.getRun({ runId }))).toBe(Code.PermissionDenied);
  });
});

describe("isolation: another user's run is NOT_FOUND on every RPC", () => {
  let runId: string;
  let threadId: string;
  let feedbackId: string;
  beforeAll(async () => {
    const alice = as("alice-key");
    const res = await alice.waitRun({ run: { assistantId: "demo", input: userInput("alice's secret") } });
    runId = res.run!.runId;
    threadId = res.run!.threadId;
    feedbackId = (await alice.createRunFeedback({ runId, rating: 1 })).feedback!.feedbackId;
  });

  const bobCalls: Array<[string, (bob: RunsClient) => Promise<unknown>]> = [
    ["GetRun", (bob) => bob.getRun({ runId })],
    ["CancelRun", (bob) => bob.cancelRun({ runId })],
    ["JoinRun", (bob) => collect(bob.joinRun({ runId }))],
    ["ListRunMessages", (bob) => bob.listRunMessages({ runId })],
    ["ListRunFeedback", (bob) => bob.listRunFeedback({ runId })],
    ["CreateRunFeedback", (bob) => bob.createRunFeedback({ runId, rating: -1 })],
    ["DeleteRunFeedback", (bob) => bob.deleteRunFeedback({ runId, feedbackId })],
    ["StreamRun on alice's thread", (bob) => collect(bob.streamRun({ run: { assistantId: "demo", threadId, input: userInput("x") } }))],
    ["WaitRun on alice's thread", (bob) => bob.waitRun({ run: { assistantId: "demo", threadId, input: userInput("x") } })],
  ];

  it.each(bobCalls)("%s", async (_name, call) => {
    for (const transport of ["connect", "grpc"] as const) {
      const error = await call(as("bob-key", transport)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectError);
      expect((error as ConnectError).code).toBe(Code.NotFound);
      // Same answer as for a run that never existed: nothing about alice leaks.
      expect((error as ConnectError).rawMessage).not.toContain("alice");
    }
  });

  it("and alice's data is untouched by bob's attempts", async () => {
    const alice = as("alice-key");
    expect((await alice.getRun({ runId })).run?.userId).toBe("alice");
    expect((await alice.listRunFeedback({ runId })).feedback.map((f) => f.rating)).toEqual([1]);
    expect((await alice.listRunMessages({ runId })).messages).toHaveLength(4);
  });
});

describe("acting for a user (x-agent-runs-user) over gRPC, gRPC-Web and Connect", () => {
  const transports = {
    connect: (headers: Record<string, string>) => createConnectTransport({ baseUrl: t.url, httpVersion: "1.1", interceptors: [withHeaders(headers)] }),
    grpc: (headers: Record<string, string>) => createGrpcTransport({ baseUrl: t.url, interceptors: [withHeaders(headers)] }),
    grpcWeb: (headers: Record<string, string>) => createGrpcWebTransport({ baseUrl: t.url, httpVersion: "1.1", interceptors: [withHeaders(headers)] }),
  };
  function withHeaders(headers: Record<string, string>) {
    return (next: any) => (req: any) => (Object.entries(headers).forEach(([k, v]) => req.header.set(k, v)), next(req));
  }
  const client = (transport: keyof typeof transports, key: string, actAs?: string) =>
    createClient(RunsService, transports[transport]({ authorization: `Bearer ${key}`, ...(actAs === undefined ? {} : { [ACT_AS_HEADER]: actAs }) }));

  it.each(Object.keys(transports) as Array<keyof typeof transports>)("%s: the metadata header makes the call the named user's; without the permission it is refused", async (transport) => {
    const { run } = await client(transport, "backend-key", "alice").waitRun({ run: { assistantId: "demo", input: userInput(`via ${transport}`) } });
    expect(run?.userId).toBe("alice");
    expect((await as("alice-key").getRun({ runId: run!.runId })).run?.runId).toBe(run!.runId);
    expect(await code(client(transport, "backend-key", "bob").getRun({ runId: run!.runId }))).toBe(Code.NotFound);
    expect(await code(client(transport, "backend-key").getRun({ runId: run!.runId }))).toBe(Code.NotFound);
    expect(await code(client(transport, "bob-key", "alice").getRun({ runId: run!.runId }))).toBe(Code.PermissionDenied);
    expect(await code(client(transport, "backend-key", "x".repeat(129)).getRun({ runId: run!.runId }))).toBe(Code.InvalidArgument);
  });
});

describe("limits", () => {
  it("answers RESOURCE_EXHAUSTED beyond a user's concurrent runs", async () => {
    const limited = await startTestServer({ maxActiveRunsPerUser: 2 });
    try {
      const slow = () => limited.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("s"), context: { delay_ms: 300 } } });
      const first = [slow(), slow()];
      // Both hold a slot (they count against the limit) before the third asks.
      await expect.poll(() => limited.server.app.stores.runs.userSlots("local").then((slots) => slots.length)).toBe(2);
      expect(await code(slow())).toBe(Code.ResourceExhausted);
      await Promise.all(first);
      expect(await code(slow())).toBe("ok");
    } finally {
      await limited.stop();
    }
  });
});
