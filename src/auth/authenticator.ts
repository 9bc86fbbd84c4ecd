// Bearer-token authentication: static API keys from the auth config, and JWTs
// verified by `jose` (an HS256 secret, or a JWKS from a file or URL). Each
// maps to a user id and permissions (caller.ts PERMISSIONS; a key listing
// none gets DEFAULT_PERMISSIONS, never users:act_as). JWT subjects get their
// own namespace ("jwt:<sub>"), apart from the user ids the operator gave API keys.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from "jose";
import { DEFAULT_PERMISSIONS, LOCAL_CALLER, PERMISSIONS, type Authenticator, type Caller, type Permission } from "./caller.js";

export interface ApiKeyConfig {
  /** The key itself, or its hex SHA-256 in `key_sha256` so the file holds no secret. */
  key?: string;
  key_sha256?: string;
  user_id: string;
  permissions?: string[];
}

export interface JwtConfig {
  /** HS256 shared secret. */
  secret?: string;
  jwks_file?: string;
  jwks_url?: string;
  issuer?: string;
  audience?: string;
  /** Claim holding the user id (default "sub"). */
  user_claim?: string;
  /** Claim holding permissions: an array, or a space-separated string like OAuth's "scope" (default "permissions", then "scope"). */
  permissions_claim?: string;
  /** Clock skew allowed on exp, nbf and iat, in seconds (default 30). */
  clock_tolerance_s?: number;
  /** Refuse tokens issued longer ago than this many seconds; makes iat required (default: no limit). */
  max_token_age_s?: number;
  /**
   * Prefix of JWT callers' user ids (default "jwt:"), so a token's subject never
   * owns an API-key user's runs or the pre-auth "local" user's. "" maps subjects
   * onto API-key user ids on purpose.
   */
  user_namespace?: string;
}

export interface AuthConfig {
  api_keys?: ApiKeyConfig[];
  jwt?: JwtConfig;
}

function parsePermissions(where: string, values: unknown): Set<Permission> {
  const list = Array.isArray(values) ? values : typeof values === "string" ? values.split(/\s+/).filter(Boolean) : [];
  const out = new Set<Permission>();
  for (const p of list) {
    if ((PERMISSIONS as readonly string[]).includes(String(p))) out.add(p as Permission);
    else if (where !== "token") throw new Error(`${where}: unknown permission "${String(p)}" (known: ${PERMISSIONS.join(", ")})`);
  }
  return out;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest();

export async function loadAuthConfig(path: string): Promise<AuthConfig> {
  const config = JSON.parse(await readFile(path, "utf8")) as AuthConfig;
  if (!config.api_keys?.length && !config.jwt) throw new Error(`${path}: configure api_keys and/or jwt`);
  return config;
}

/** null when no auth is configured: the single local user. */
export async function createAuthenticator(config: AuthConfig | null): Promise<Authenticator> {
  if (!config) return async () => LOCAL_CALLER;
  const keys = (config.api_keys ?? []).map((k, i) => {
    const where = `api_keys[${i}]`;
    if (!k.user_id) throw new Error(`${where}.user_id: required`);
    const digest = k.key ? sha256(k.key) : k.key_sha256 ? Buffer.from(k.key_sha256, "hex") : null;
    if (!digest || digest.length !== 32) throw new Error(`${where}: give key or a hex key_sha256`);
    const caller: Caller = { userId: k.user_id, permissions: parsePermissions(`${where}.permissions`, k.permissions ?? DEFAULT_PERMISSIONS) };
    return { digest, caller };
  });
  const jwt = config.jwt ? await jwtVerifier(config.jwt) : null;
  return async (headers) => {
    const header = headers.get("authorization");
    if (!header) return null;
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new ConnectError("authorization: expected 'Bearer <token>'", Code.Unauthenticated);
    const token = match[1]!;
    const digest = sha256(token);
    for (const key of keys) if (timingSafeEqual(key.digest, digest)) return key.caller;
    if (jwt && token.split(".").length === 3) return jwt(token);
    throw new ConnectError("invalid bearer token", Code.Unauthenticated);
  };
}

async function jwtKey(config: JwtConfig): Promise<{ key: Uint8Array | JWTVerifyGetKey; algorithms: string[] }> {
  const asymmetric = ["RS256", "ES256", "EdDSA", "PS256"];
  if (config.secret) return { key: new TextEncoder().encode(config.secret), algorithms: ["HS256"] };
  if (config.jwks_file) return { key: createLocalJWKSet(JSON.parse(await readFile(config.jwks_file, "utf8"))), algorithms: asymmetric };
  if (config.jwks_url) return { key: createRemoteJWKSet(new URL(config.jwks_url)), algorithms: asymmetric };
  throw new Error("jwt: give secret, jwks_file or jwks_url");
}

function seconds(where: string, value: unknown, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) throw new Error(`${where}: a number of seconds >= 0`);
  return value;
}

/** jose's options for this config: signature, issuer, audience, a required exp, clock tolerance. */
function verifyOptions(config: JwtConfig): JWTVerifyOptions & { clockTolerance: number } {
  const maxTokenAge = seconds("jwt.max_token_age_s", config.max_token_age_s, undefined);
  return {
    requiredClaims: ["exp"],
    clockTolerance: seconds("jwt.clock_tolerance_s", config.clock_tolerance_s, 30)!,
    ...(maxTokenAge !== undefined ? { maxTokenAge } : {}),
    ...(config.issuer ? { issuer: config.issuer } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
  };
}

async function jwtVerifier(config: JwtConfig): Promise<(token: string) => Promise<Caller>> {
  const { key, algorithms } = await jwtKey(config);
  const options = { algorithms, ...verifyOptions(config) };
  const namespace = config.user_namespace ?? "jwt:";
  if (typeof namespace !== "string") throw new Error("jwt.user_namespace: a string");
  const userClaim = config.user_claim ?? "sub";
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
    } catch (error) {
      // jose's claim messages ('missing required "exp" claim') say what to fix and hold no secret.
      const e = error as { code?: string; claim?: string; message?: string };
      throw new ConnectError(`invalid token: ${e.claim ? e.message : (e.code ?? "verification failed")}`, Code.Unauthenticated);
    }
    // jose checks iat only together with maxTokenAge; a token issued in the future is refused regardless.
    if (payload.iat !== undefined && payload.iat > Date.now() / 1000 + options.clockTolerance) {
      throw new ConnectError('invalid token: "iat" claim is in the future', Code.Unauthenticated);
    }
    const userId = payload[userClaim];
    if (typeof userId !== "string" || userId === "") throw new ConnectError(`invalid token: no "${userClaim}" claim`, Code.Unauthenticated);
    const raw = config.permissions_claim ? payload[config.permissions_claim] : (payload["permissions"] ?? payload["scope"]);
    return { userId: namespace + userId, permissions: parsePermissions("token", raw) };
  };
}
