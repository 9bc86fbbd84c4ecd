// Page tokens are opaque and bound to their query: a token decodes only in
// the scope it was issued for, and any edit is refused naming the field.
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/domain/errors.js";
import { decodePageToken, encodePageToken, pageScope } from "../../src/application/page-token.js";

const scope = pageScope("runs", "alice", ["thread-1", ["running"]]);
const position = { createdAt: "2026-12-01T00:00:00.000Z", runId: "r-1" };

const refusal = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return null;
};

describe("page tokens", () => {
  it("round-trip the position in their own scope; empty is the first page", () => {
    const token = encodePageToken(position, scope);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodePageToken(token, scope)).toEqual(position);
    expect(decodePageToken("", scope)).toBeNull();
  });

  it("are refused for another user or other filters", () => {
    const token = encodePageToken(position, scope);
    for (const other of [pageScope("runs", "bob", ["thread-1", ["running"]]), pageScope("runs", "alice", ["thread-2", ["running"]]), pageScope("threads", "alice", ["thread-1", ["running"]])]) {
      const error = refusal(() => decodePageToken(token, other));
      expect(error).toBeInstanceOf(InvalidArgumentError);
      expect((error as InvalidArgumentError).field).toBe("page_token");
    }
  });

  it("are refused when edited, truncated, or not base64url", () => {
    const token = encodePageToken(position, scope);
    const flipped = token.slice(0, -2) + (token.at(-2) === "A" ? "B" : "A") + token.at(-1);
    for (const bad of [flipped, token.slice(0, 10), token + "x", "!!!", "AAAA", encodePageToken(position, scope).replace(/^./, "Z")]) {
      if (bad === token) continue;
      expect(refusal(() => decodePageToken(bad, scope)), bad).toBeInstanceOf(InvalidArgumentError);
    }
  });

  it("names the field it was given", () => {
    const error = refusal(() => decodePageToken("garbage", scope, "before"));
    expect((error as InvalidArgumentError).field).toBe("before");
  });
});
