// Authorization is declared once (src/auth/access.ts) and enforced by the auth
// interceptor for every method of every service the server registers.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, ConnectError, createConnectRouter, createRouterTransport, createClient } from "@connectrpc/connect";
import { RunsService } from "../../gen/agentruns/v1/runs_pb.js";
import { ThreadsService } from "../../gen/agentruns/v1/threads_pb.js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { METHOD_ACCESS, methodKey } from "../../src/auth/access.js";
import { authInterceptor } from "../../src/server/interceptors.js";
import { LOCAL_CALLER, PERMISSIONS } from "../../src/auth/caller.js";
import { collect, unitService, type UnitService } from "./harness.js";

const code = (call: Promise<unknown>) => call.then(() => Code.Unknown as Code | "ok", (e: unknown) => ConnectError.from(e).code).then((c) => (c === Code.Unknown ? "ok" : c));

let s: UnitService;
beforeAll(async () => {
  s = await unitService({}, {
    auth: {
      api_keys: [
        { key: "nothing", user_id: "nobody", permissions: [] },
        { key: "reader", user_id: "reader", permissions: ["runs:read"] },
      ],
    },
  });
});
afterAll(() => s.close());

describe("the access table", () => {
  it("has an entry for every method of every service the router registers, and nothing else", () => {
    const router = createConnectRouter(s.app.routerOptions);
    s.app.routes(router);
    const registered = router.handlers.map((h) => methodKey(h.service.typeName, h.method.name));
    expect(registered.length).toBeGreaterThan(10);
    for (const key of registered) expect(METHOD_ACCESS.has(key), key).toBe(true);
    expect([...METHOD_ACCESS.keys()].sort()).toEqual([...registered].sort());
  });

  it("is the one docs/security-and-operations.md lists, permission by permission", async () => {
    const docs = await readFile(new URL("../../docs/security-and-operations.md", import.meta.url), "utf8");
    const bullet = docs.slice(docs.indexOf("- Permissions:"), docs.indexOf("They are declared once"));
    const listed = new Map([...bullet.matchAll(/`([a-z_]+:[a-z_]+)` \(([^)]*)\)/g)].map((m) => [m[1]!, m[2]!.split(/,\s*/).filter((name) => /^[A-Z]\w+$/.test(name)).sort()]));
    const declared = new Map(PERMISSIONS.map((p) => [p as string, [] as string[]]));
    for (const service of [RunsService, ThreadsService]) {
      for (const method of Object.values(service.method)) declared.get(METHOD_ACCESS.get(methodKey(service.typeName, method.name)) as string)!.push(method.name);
    }
    for (const names of declared.values()) names.sort();
    expect(listed).toEqual(declared);
  });

  it("refuses a registered method that has no entry", async () => {
    const transport = createRouterTransport(
      (router) => router.service(Health, { check: async () => ({ status: 1 }), list: async () => ({ statuses: {} }), async *watch() {} }),
      { router: { interceptors: [authInterceptor(async () => LOCAL_CALLER, new Map())] } },
    );
    const error = await createClient(Health, transport).check({}).catch((e: unknown) => ConnectError.from(e));
    expect((error as ConnectError).code).toBe(Code.PermissionDenied);
    expect((error as ConnectError).rawMessage).toContain("grpc.health.v1.Health/Check has no access rule");
  });
});

const methods = [RunsService, ThreadsService].flatMap((service) => Object.values(service.method).map((m) => [`${service.name}.${m.name}`, m] as const));

describe.each(methods)("%s", (_name, method) => {
  const needed = METHOD_ACCESS.get(methodKey(method.parent.typeName, method.name));
  // Requests that would fail validation: access is checked before anything else looks at them.
  const call = (client: ReturnType<UnitService["as"]>) => {
    const service = method.parent === ThreadsService ? client.threads : client;
    const fn = (service as unknown as Record<string, (req: object) => unknown>)[method.localName]!;
    const result = fn.call(client, {});
    return method.methodKind === "server_streaming" ? collect(result as AsyncIterable<unknown>) : (result as Promise<unknown>);
  };

  it("needs credentials", async () => {
    expect(needed).toMatch(/^(runs|feedback|threads):/);
    expect(await code(call(s.as(null)))).toBe(Code.Unauthenticated);
  });

  it(`needs the permission ${needed}, checked before the request is`, async () => {
    expect(await code(call(s.as("nothing")))).toBe(Code.PermissionDenied);
    const reader = await code(call(s.as("reader")));
    // Past the permission check an empty request is refused or (ListRuns) answered.
    if (needed === "runs:read") expect(reader).not.toBe(Code.PermissionDenied);
    else expect(reader).toBe(Code.PermissionDenied);
  });
});
