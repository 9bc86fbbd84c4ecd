// Which MongoDB driver errors mean "the database is unavailable" (retried,
// UNAVAILABLE to clients) and which are real failures, with the driver's own
// error classes as a dropped connection produces them.
import { describe, expect, it } from "vitest";
import { MongoBulkWriteError, MongoNetworkError, MongoServerError } from "mongodb";
import { isUnavailable } from "../src/stores/mongo/guard.js";

function socketEnded(): Error {
  return Object.assign(new Error("This socket has been ended by the other party"), { code: "EPIPE" });
}

describe("isUnavailable", () => {
  it("is true for network errors, bare or inside a bulk write", () => {
    expect(isUnavailable(new MongoNetworkError("connection 3 to 127.0.0.1:27017 closed"))).toBe(true);
    expect(isUnavailable(socketEnded())).toBe(true);
    expect(isUnavailable(new MongoBulkWriteError(socketEnded(), undefined as never))).toBe(true);
    expect(isUnavailable(new MongoBulkWriteError(new MongoNetworkError("closed"), undefined as never))).toBe(true);
    expect(isUnavailable(new Error("insert failed", { cause: new MongoNetworkError("closed") }))).toBe(true);
  });

  it("is false for write errors and everything else", () => {
    const duplicate = { message: "E11000 duplicate key error", code: 11000, writeErrors: [] };
    expect(isUnavailable(new MongoBulkWriteError(duplicate, undefined as never))).toBe(false);
    expect(isUnavailable(new MongoServerError({ message: "bad query", code: 2 }))).toBe(false);
    expect(isUnavailable(new Error("boom"))).toBe(false);
    expect(isUnavailable("not an error")).toBe(false);
  });
});
