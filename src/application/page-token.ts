// Opaque page tokens (AIP-158) shared by every paged list: ListRuns,
// SearchThreads, ListThreadHistory. A token carries the position after the
// last row returned and is bound to the query it came from: the caller and
// the filters form its scope, and a MAC over position and scope makes a
// token that was edited, truncated, or issued for another user or other
// filters fail to decode (INVALID_ARGUMENT naming `page_token`) instead of
// silently paging something else. The MAC is not a secret: every query is
// scoped to its caller anyway, so a forged position only skips within the
// caller's own rows. It catches mistakes, not attackers.
import { createHmac, timingSafeEqual } from "node:crypto";
import { InvalidArgumentError } from "../domain/errors.js";
import type { JsonValue } from "../domain/records.js";

const VERSION = 1;
const MAC_BYTES = 12;

/** What a page token is bound to: who asked, and every filter of the query, in a fixed order. */
export function pageScope(kind: string, userId: string, filters: JsonValue[]): string {
  return JSON.stringify([kind, userId, ...filters]);
}

function mac(scope: string, body: string): Buffer {
  return createHmac("sha256", scope).update(body).digest().subarray(0, MAC_BYTES);
}

/** The token for the page after `position` in `scope`. */
export function encodePageToken(position: JsonValue, scope: string): string {
  const body = JSON.stringify([VERSION, position]);
  return Buffer.concat([mac(scope, body), Buffer.from(body, "utf8")]).toString("base64url");
}

/**
 * The position a token carries; null for an empty token (the first page).
 * Throws InvalidArgumentError on `field` when the token is malformed, edited,
 * or was issued for another scope.
 */
export function decodePageToken(token: string, scope: string, field = "page_token"): JsonValue | null {
  if (token === "") return null;
  const refuse = () => new InvalidArgumentError(field, "not a page token of this query (it must come from next_page_token of the same request, with the same filters)");
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw refuse();
  const raw = Buffer.from(token, "base64url");
  if (raw.length <= MAC_BYTES) throw refuse();
  const body = raw.subarray(MAC_BYTES).toString("utf8");
  if (!timingSafeEqual(raw.subarray(0, MAC_BYTES), mac(scope, body))) throw refuse();
  const parsed: unknown = JSON.parse(body);
  if (!Array.isArray(parsed) || parsed[0] !== VERSION || parsed.length !== 2) throw refuse();
  return parsed[1] as JsonValue;
}
