// The one credential check both transports run (src/auth/authorize.ts): each
// step's refusal, typed so the RPCs and the HTTP APIs map it to their own
// status with the same words. The transports' mappings are in access.test.ts,
// act-as.test.ts and test/http-auth.test.ts.
import { describe, expect, it } from "vitest";
import { ACT_AS_HEADER } from "../../src/auth/act-as.js";
import { createAuthenticator } from "../../src/auth/authenticator.js";
import { authorize, MISSING_CREDENTIALS, type AuthorizeRequest } from "../../src/auth/authorize.js";
import { DEFAULT_PERMISSIONS, type Authenticator } from "../../src/auth/caller.js";

const authenticate = await createAuthenticator({
  api_keys: [
    { key: "alice", user_id: "alice" },
    { key: "reader", user_id: "reader", permissions: ["runs:read"] },
    { key: "backend", user_id: "backend", permissions: [...DEFAULT_PERMISSIONS, "users:act_as"] },
  ],
});
const check = (headers: Record<string, string>, request: Partial<AuthorizeRequest> = {}, auth: Authenticator = authenticate) =>
  authorize(auth, { headers: new Headers(headers), access: "runs:create", name: "Runs/WaitRun", ...request });

describe("authorize", () => {
  it("refuses a call without a rule, whoever calls", async () => {
    expect(await check({ authorization: "Bearer alice" }, { access: undefined })).toEqual({
      refusal: { kind: "permission_denied", message: "Runs/WaitRun has no access rule; refusing it" },
    });
  });

  it("admits a public call without looking at credentials, even a bad one", async () => {
    const never: Authenticator = () => Promise.reject(new Error("must not be asked"));
    expect(await check({ authorization: "Bearer stale" }, { access: "public" }, never)).toEqual({ caller: null });
  });

  it("answers unauthenticated for no credentials and for a bad token, in the authenticator's words", async () => {
    expect(await check({})).toEqual({ refusal: { kind: "unauthenticated", message: MISSING_CREDENTIALS } });
    expect(await check({ authorization: "Bearer nope" })).toEqual({ refusal: { kind: "unauthenticated", message: "invalid bearer token" } });
    expect(await check({ authorization: "Basic abc" })).toMatchObject({ refusal: { kind: "unauthenticated" } });
  });

  it("takes x-api-key only when asked to (the HTTP APIs), and authorization over it", async () => {
    expect(await check({ "x-api-key": "alice" })).toMatchObject({ refusal: { kind: "unauthenticated" } });
    expect(await check({ "x-api-key": "alice" }, { apiKeyHeader: true })).toMatchObject({ caller: { userId: "alice" } });
    expect(await check({ "x-api-key": "alice", authorization: "Bearer reader" }, { apiKeyHeader: true })).toMatchObject({ refusal: { kind: "permission_denied" } });
  });

  it("answers permission_denied naming the permission the caller lacks", async () => {
    expect(await check({ authorization: "Bearer reader" })).toEqual({ refusal: { kind: "permission_denied", message: 'permission "runs:create" is required' } });
  });

  it("acts for the named user only with users:act_as; a malformed user id is invalid_argument", async () => {
    expect(await check({ authorization: "Bearer backend", [ACT_AS_HEADER]: "carol" })).toMatchObject({ caller: { userId: "carol", actingUserId: "backend" } });
    expect(await check({ authorization: "Bearer alice", [ACT_AS_HEADER]: "carol" })).toEqual({
      refusal: { kind: "permission_denied", message: `permission "users:act_as" is required to send ${ACT_AS_HEADER}` },
    });
    expect(await check({ authorization: "Bearer backend", [ACT_AS_HEADER]: "x".repeat(129) })).toEqual({
      refusal: { kind: "invalid_argument", message: `${ACT_AS_HEADER}: at most 128 characters` },
    });
  });
});
