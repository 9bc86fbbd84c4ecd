// Connect's GET form: the request in `message=`, JSON or base64-encoded binary.
// A message that is not base64 is the client's mistake, not the server's.
import { create, toBinary } from "@bufbuild/protobuf";
import { base64Encode } from "@bufbuild/protobuf/wire";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GetRunRequestSchema } from "../gen/agentruns/v1/runs_pb.js";
import { startTestServer, userInput, type TestServer } from "./helpers/server.js";

let t: TestServer;
let runId: string;
beforeAll(async () => {
  t = await startTestServer();
  runId = (await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("get me") } })).run!.runId;
});
afterAll(() => t.stop());

const getRun = (query: Record<string, string>) =>
  fetch(`${t.url}/agentruns.v1.RunsService/GetRun?${new URLSearchParams({ connect: "v1", ...query })}`);

describe("Connect GET", () => {
  it("answers a base64 binary message", async () => {
    const message = base64Encode(toBinary(GetRunRequestSchema, create(GetRunRequestSchema, { runId })), "url");
    const res = await getRun({ encoding: "proto", base64: "1", message });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/proto");
  });

  it.each(["@@@notbase64", "%%%", "a"])("refuses message=%s that is not base64 with INVALID_ARGUMENT, and keeps serving", async (message) => {
    for (const encoding of ["proto", "json"]) {
      const res = await getRun({ encoding, base64: "1", message });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ code: "invalid_argument", message: "message: not valid base64 (base64=1)" });
    }
    expect((await t.connectJson.getRun({ runId })).run?.runId).toBe(runId);
  });
});
