// Bearer-token authentication: static API keys from the auth config, and JWTs
// verified by `jose` (an HS256 secret, or a JWKS from a file or URL). Each
// maps to a user id and the permissions runs:create, runs:read, runs:cancel,
// feedback:write.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Code, ConnectError } from "@connectrpc/connect";
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import type { Authenticator } from "../server/interceptors.js";
import { LOCAL_CALLER, PERMISSIONS, type Caller, type Permission } from "./caller.js";

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
    const caller: Caller = { userId: k.user_id, permissions: parsePermissions(`${where}.permissions`, k.permissions ?? PERMISSIONS) };
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

async function jwtVerifier(config: JwtConfig): Promise<(token: string) => Promise<Caller>> {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (config.secret) {
    key = new TextEncoder().encode(config.secret);
    algorithms = ["HS256"];
  } else if (config.jwks_file) {
    key = createLocalJWKSet(JSON.parse(await readFile(config.jwks_file, "utf8")));
    algorithms = ["RS256", "ES256", "EdDSA", "PS256"];
  } else if (config.jwks_url) {
    key = createRemoteJWKSet(new URL(config.jwks_url));
    algorithms = ["RS256", "ES256", "EdDSA", "PS256"];
  } else {
    throw new Error("jwt: give secret, jwks_file or jwks_url");
  }
  const userClaim = config.user_claim ?? "sub";
  return async (token) => {
    let payload: JWTPayload;
    try {
      const options = { algorithms, ...(config.issuer ? { issuer: config.issuer } : {}), ...(config.audience ? { audience: config.audience } : {}) };
      ({ payload } = typeof key === "function" ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options));
    } catch (error) {
      throw new ConnectError(`invalid token: ${(error as { code?: string }).code ?? "verification failed"}`, Code.Unauthenticated);
    }
    const userId = payload[userClaim];
    if (typeof userId !== "string" || userId === "") throw new ConnectError(`invalid token: no "${userClaim}" claim`, Code.Unauthenticated);
    const raw = config.permissions_claim ? payload[config.permissions_claim] : (payload["permissions"] ?? payload["scope"]);
    return { userId, permissions: parsePermissions("token", raw) };
  };
}
