// Generated hostile input (fast-check) at every RPC over Connect JSON,
// Connect binary and gRPC. Every answer must be a proper status (never
// INTERNAL/UNKNOWN), the server must stay up, and stored data must not change.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import { create, toBinary, type DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeToString } from "@connectrpc/connect/protocol-connect";
import {
  AwaitRunRequestSchema,
  CancelRunRequestSchema,
  CancelRunsRequestSchema,
  CreateRunRequestSchema,
  CreateRunFeedbackRequestSchema,
  DeleteRunFeedbackRequestSchema,
  DeleteRunRequestSchema,
  GetRunRequestSchema,
  JoinRunRequestSchema,
  ListRunFeedbackRequestSchema,
  ListRunMessagesRequestSchema,
  ListRunsRequestSchema,
  RunsService,
  StreamRunRequestSchema,
  UpdateRunFeedbackRequestSchema,
  WaitRunRequestSchema,
} from "../gen/agentruns/v1/runs_pb.js";
import { request } from "node:http";
import { collect, startTestServer, userInput, type TestServer } from "./helpers/server.js";

/** One POST on its own connection, so a bad request cannot disturb the next one's client state. */
function post(path: string, contentType: string, body: Buffer): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, t.url);
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent: false, headers: { "content-type": contentType, "content-length": body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error(`no answer within 10 s to ${path}: ${body.subarray(0, 300).toString()}`)));
    req.on("error", reject);
    req.end(body);
  });
}

const READ_MAX_BYTES = 64 * 1024;
const RUNS = Number(process.env["FUZZ_RUNS"] ?? 150);
const PROPER = new Set(["invalid_argument", "not_found", "failed_precondition", "already_exists", "resource_exhausted", "permission_denied", "unauthenticated", "out_of_range", "unimplemented", "aborted"]);
let cases = 0;

let t: TestServer;
let reference: { runId: string; snapshot: string };

async function snapshot(runId: string): Promise<string> {
  const [run, messages, feedback] = await Promise.all([
    t.connectJson.getRun({ runId }),
    t.connectJson.listRunMessages({ runId, limit: 200 }),
    t.connectJson.listRunFeedback({ runId }),
  ]);
  return JSON.stringify({ run, messages, feedback }, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
}

beforeAll(async () => {
  t = await startTestServer({ readMaxBytes: READ_MAX_BYTES, maxActiveRunsPerUser: 50 });
  const res = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("reference"), metadata: { keep: "me" } } });
  await t.connectJson.createRunFeedback({ runId: res.run!.runId, rating: 1, comment: "reference" });
  reference = { runId: res.run!.runId, snapshot: await snapshot(res.run!.runId) };
});
afterAll(async () => {
  // Nothing was lost or corrupted, and the server still serves.
  expect(await snapshot(reference.runId)).toBe(reference.snapshot);
  const alive = await t.connectJson.waitRun({ run: { assistantId: "demo", input: userInput("still alive") } });
  expect(alive.run?.runId).toBeTruthy();
  console.log(`fuzz: ${cases} hostile requests, every one answered with a proper status`);
  expect(cases).toBeGreaterThan(RUNS * 20);
  await t.stop();
});

const hostileString = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom("", '{"$ne": null}', "$where", "a.b.c", "../../etc/passwd", "\u0000", "💥".repeat(50), "NaN", "-1", "1e309"),
  // Bigger than readMaxBytes; built by repetition because generating it char by char is slow.
  fc.tuple(fc.constantFrom("x", "$", ".", "é", "\u0000"), fc.integer({ min: 0, max: 9 })).map(([c, n]) => c.repeat(70_000 + n)),
);
const leaf = fc.oneof(hostileString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const deep = fc.integer({ min: 1, max: 300 }).map((depth) => {
  let v: unknown = "leaf";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { [`$k${i}.x`]: v };
  return v;
});
const json: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: "small" },
  leaf,
  deep,
  fc.dictionary(fc.oneof(hostileString, fc.constantFrom("$set", "a.b", "__proto__", "constructor")), leaf, { maxKeys: 5 }),
  fc.array(leaf, { maxLength: 5 }),
);
const wrongType = fc.oneof(leaf, fc.array(leaf, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), leaf, { maxKeys: 3 }));
const enumish = fc.oneof(fc.integer({ min: -5, max: 100 }), fc.constantFrom("STREAM_MODE_VALUES", "NOPE", "values", 2.5, -1, 2 ** 31));
const int64ish = fc.oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), fc.constantFrom("NaN", "1e3", "-0", "18446744073709551616", 1.5, -1, "abc"));

const runCreate = fc.record(
  {
    assistant_id: fc.oneof(hostileString, fc.constant("demo"), wrongType),
    thread_id: fc.oneof(hostileString, fc.uuid(), wrongType),
    input: json,
    command: json,
    config: json,
    context: json,
    metadata: json,
    stream_mode: fc.oneof(fc.array(enumish, { maxLength: 4 }), wrongType),
    multitask_strategy: enumish,
    on_disconnect: enumish,
    interrupt_before: fc.oneof(fc.array(hostileString, { maxLength: 3 }), wrongType),
    interrupt_after: fc.array(hostileString, { maxLength: 3 }),
    checkpoint_id: hostileString,
    unknown_field: leaf,
  },
  { requiredKeys: [] },
);
const runId = fc.oneof(hostileString, fc.uuid(), wrongType, fc.constant("REFERENCE"));

const requests: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  StreamRun: fc.record({ run: fc.oneof(runCreate, wrongType) }, { requiredKeys: [] }),
  WaitRun: fc.record({ run: fc.oneof(runCreate, wrongType) }, { requiredKeys: [] }),
  GetRun: fc.record({ run_id: runId }, { requiredKeys: [] }),
  CancelRun: fc.record({ run_id: runId, action: enumish, wait: fc.oneof(fc.boolean(), wrongType) }, { requiredKeys: [] }),
  JoinRun: fc.record({ run_id: runId, last_event_id: int64ish }, { requiredKeys: [] }),
  ListRunMessages: fc.record(
    { run_id: runId, limit: fc.oneof(fc.integer({ min: -10, max: 1000 }), wrongType), before_seq: int64ish, after_seq: int64ish },
    { requiredKeys: [] },
  ),
  ListRunFeedback: fc.record({ run_id: runId }, { requiredKeys: [] }),
  CreateRunFeedback: fc.record(
    { run_id: runId, rating: fc.oneof(fc.integer({ min: -3, max: 3 }), wrongType), comment: hostileString, message_id: hostileString },
    { requiredKeys: [] },
  ),
  DeleteRunFeedback: fc.record({ run_id: runId, feedback_id: fc.oneof(hostileString, fc.uuid()) }, { requiredKeys: [] }),
  CreateRun: fc.record({ run: fc.oneof(runCreate, wrongType) }, { requiredKeys: [] }),
  AwaitRun: fc.record({ run_id: runId }, { requiredKeys: [] }),
  UpdateRunFeedback: fc.record(
    { run_id: runId, rating: fc.oneof(fc.integer({ min: -3, max: 3 }), wrongType), comment: hostileString, message_id: hostileString },
    { requiredKeys: [] },
  ),
  ListRuns: fc.record(
    {
      thread_id: fc.oneof(hostileString, fc.uuid(), wrongType),
      statuses: fc.oneof(fc.array(enumish, { maxLength: 8 }), wrongType),
      page_size: fc.oneof(fc.integer({ min: -10, max: 1000 }), wrongType),
      page_token: fc.oneof(hostileString, fc.base64String({ maxLength: 80 }), wrongType),
    },
    { requiredKeys: [] },
  ),
  DeleteRun: fc.record({ run_id: runId }, { requiredKeys: [] }),
  CancelRuns: fc.record(
    {
      run_ids: fc.oneof(fc.array(runId, { maxLength: 5 }), wrongType),
      thread_id: fc.oneof(hostileString, fc.uuid(), wrongType),
      statuses: fc.oneof(fc.array(enumish, { maxLength: 3 }), wrongType),
      action: enumish,
    },
    { requiredKeys: [] },
  ),
};

const STREAMING = new Set(["StreamRun", "JoinRun"]);
/** Methods whose valid requests change a run's data on purpose: never aimed at the reference run ("REFERENCE" goes as sent, an unknown id). */
const WRITES_REFERENCE = new Set(["UpdateRunFeedback", "DeleteRun"]);

function withReference(method: string, body: Record<string, unknown>): Record<string, unknown> {
  // Aim some requests at the real reference run, to prove hostile input cannot change it.
  // CancelRuns may name it among run_ids: an ended run is skipped, never changed.
  if (Array.isArray(body["run_ids"])) body = { ...body, run_ids: body["run_ids"].map((id) => (id === "REFERENCE" ? reference.runId : id)) };
  return body["run_id"] === "REFERENCE" && !WRITES_REFERENCE.has(method) ? { ...body, run_id: reference.runId } : body;
}

/** Connect over HTTP/1.1 with raw JSON bodies: wrong types reach the server as sent. */
async function sendConnectJson(method: string, body: Record<string, unknown>): Promise<string> {
  let text: string;
  try {
    text = JSON.stringify(body);
  } catch {
    return "skip";
  }
  const streaming = STREAMING.has(method);
  const payload = Buffer.from(text);
  const res = await post(
    `/agentruns.v1.RunsService/${method}`,
    streaming ? "application/connect+json" : "application/json",
    streaming ? Buffer.concat([Buffer.from([0, ...u32(payload.length)]), payload]) : payload,
  );
  const raw = res.body;
  if (!streaming) {
    if (res.status === 200) return "ok";
    return ((JSON.parse(raw.toString()) as { code?: string }).code ?? `http ${res.status}`) as string;
  }
  // The end-of-stream envelope (flag 2) carries the error, if any.
  for (let off = 0; off + 5 <= raw.length; ) {
    const flags = raw[off]!;
    const len = raw.readUInt32BE(off + 1);
    const frame = raw.subarray(off + 5, off + 5 + len);
    if (flags & 2) return ((JSON.parse(frame.toString()) as { error?: { code: string } }).error?.code ?? "ok") as string;
    off += 5 + len;
  }
  return `http ${res.status}`;
}

function u32(n: number): number[] {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

const SCHEMAS: Record<string, DescMessage> = {
  StreamRun: StreamRunRequestSchema,
  WaitRun: WaitRunRequestSchema,
  GetRun: GetRunRequestSchema,
  CancelRun: CancelRunRequestSchema,
  JoinRun: JoinRunRequestSchema,
  ListRunMessages: ListRunMessagesRequestSchema,
  ListRunFeedback: ListRunFeedbackRequestSchema,
  CreateRunFeedback: CreateRunFeedbackRequestSchema,
  DeleteRunFeedback: DeleteRunFeedbackRequestSchema,
  CreateRun: CreateRunRequestSchema,
  AwaitRun: AwaitRunRequestSchema,
  UpdateRunFeedback: UpdateRunFeedbackRequestSchema,
  ListRuns: ListRunsRequestSchema,
  DeleteRun: DeleteRunRequestSchema,
  CancelRuns: CancelRunsRequestSchema,
};

/** Random bytes as a binary Connect body: garbage the protobuf parser must refuse cleanly. */
async function sendGarbage(method: string, bytes: Uint8Array): Promise<string> {
  const streaming = STREAMING.has(method);
  const res = await post(
    `/agentruns.v1.RunsService/${method}`,
    streaming ? "application/connect+proto" : "application/proto",
    streaming ? Buffer.concat([Buffer.from([0, ...u32(bytes.length)]), bytes]) : Buffer.from(bytes),
  );
  const raw = res.body;
  const decodeAnswer = (error: { code?: string; message?: string } | undefined) =>
    // connect-es (like grpc-go's "error unmarshalling request") answers bytes that
    // are not a protobuf message with INTERNAL "parse binary: ..." before any
    // handler runs; that is the framework's decode answer, not a server fault.
    error?.code === "internal" && error.message?.startsWith("parse binary:") ? "undecodable" : (error?.code ?? "ok");
  if (!streaming) return res.status === 200 ? "ok" : decodeAnswer(JSON.parse(raw.toString()) as { code: string; message: string });
  for (let off = 0; off + 5 <= raw.length; ) {
    const flags = raw[off]!;
    const len = raw.readUInt32BE(off + 1);
    if (flags & 2) return decodeAnswer((JSON.parse(raw.subarray(off + 5, off + 5 + len).toString()) as { error?: { code: string; message: string } }).error);
    off += 5 + len;
  }
  return "?";
}

/** Typed requests with hostile values through a real gRPC (h2c) client. */
async function sendGrpc(method: string, message: Record<string, unknown>): Promise<string> {
  const name = method.charAt(0).toLowerCase() + method.slice(1);
  const client = t.grpc as unknown as Record<string, (req: unknown) => unknown>;
  try {
    const call = client[name]!(message);
    if (STREAMING.has(method)) await collect(call as AsyncIterable<unknown>);
    else await call;
    return "ok";
  } catch (error) {
    if (!(error instanceof ConnectError)) throw error;
    return codeToString(error.code);
  }
}

function proper(code: string): boolean {
  return code === "ok" || code === "skip" || code === "canceled" || code === "undecodable" || PROPER.has(code);
}

it("covers every RunsService method", () => {
  const methods = Object.values(RunsService.method).map((m) => m.name).sort();
  expect(Object.keys(requests).sort()).toEqual(methods);
  expect(Object.keys(SCHEMAS).sort()).toEqual(methods);
});

describe.each(Object.keys(requests))("%s under hostile input", { timeout: 120_000 }, (method) => {
  it("Connect JSON: every answer is a proper status", async () => {
    await fc.assert(
      fc.asyncProperty(requests[method]!, async (body) => {
        cases++;
        const code = await sendConnectJson(method, withReference(method, body));
        if (!proper(code)) throw new Error(`${method} answered ${code} to ${JSON.stringify(body).slice(0, 300)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("Connect binary: random bytes are refused cleanly", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        cases++;
        const code = await sendGarbage(method, bytes);
        if (!proper(code)) throw new Error(`${method} answered ${code} to bytes ${Buffer.from(bytes).toString("hex")}`);
      }),
      { numRuns: RUNS },
    );
  });

  it("gRPC: typed messages with hostile values", async () => {
    const schema = SCHEMAS[method]!;
    const typed = fc.record({
      runId: runId.filter((v): v is string => typeof v === "string"),
      feedbackId: hostileString,
      rating: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      limit: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      lastEventId: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      action: fc.integer({ min: -3, max: 10 }),
      input: fc.constantFrom({ n: Number.NaN }, { i: Number.POSITIVE_INFINITY }, { "a.b": { $gt: 1 } }, userInput("x")),
      mode: fc.integer({ min: -2, max: 12 }),
      pageSize: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      pageToken: hostileString,
      runIds: fc.array(runId.filter((v): v is string => typeof v === "string"), { maxLength: 3 }),
    });
    await fc.assert(
      fc.asyncProperty(typed, async (v) => {
        cases++;
        const fields: Record<string, unknown> = {};
        for (const f of schema.fields) {
          if (f.localName === "runId") fields["runId"] = v.runId === "REFERENCE" && !WRITES_REFERENCE.has(method) ? reference.runId : v.runId;
          if (f.localName === "feedbackId") fields["feedbackId"] = v.feedbackId;
          if (f.localName === "rating") fields["rating"] = v.rating;
          if (f.localName === "limit") fields["limit"] = v.limit;
          if (f.localName === "lastEventId") fields["lastEventId"] = v.lastEventId;
          if (f.localName === "action") fields["action"] = v.action;
          if (f.localName === "pageSize") fields["pageSize"] = v.pageSize;
          if (f.localName === "pageToken") fields["pageToken"] = v.pageToken;
          if (f.localName === "runIds") fields["runIds"] = v.runIds.map((id) => (id === "REFERENCE" ? reference.runId : id));
          if (f.localName === "run") fields["run"] = { assistantId: "demo", input: v.input, streamMode: [v.mode] };
        }
        let message;
        try {
          message = create(schema, fields as never);
          toBinary(schema, message);
        } catch {
          return; // not encodable: nothing to send
        }
        const code = await sendGrpc(method, fields);
        if (!proper(code)) throw new Error(`${method} answered ${code} to ${JSON.stringify(fields, (_k, x) => (typeof x === "bigint" ? String(x) : x)).slice(0, 300)}`);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("oversized requests", () => {
  it("are refused with RESOURCE_EXHAUSTED over every protocol", async () => {
    const big = { run: { assistantId: "demo", input: { blob: "x".repeat(READ_MAX_BYTES * 2) } } };
    for (const name of ["connectJson", "connectBinary", "grpc", "grpcWeb"] as const) {
      cases++;
      const error = await t.client(name).waitRun(big).catch((e: unknown) => e);
      expect((error as ConnectError).code, name).toBe(Code.ResourceExhausted);
      // The same client keeps working: the half-read connection was closed, not left hanging.
      expect((await t.client(name).getRun({ runId: reference.runId })).run?.runId, name).toBe(reference.runId);
    }
  });
});

void RunsService;
