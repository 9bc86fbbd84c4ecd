// The isolation matrix (test/helpers/isolation-matrix.ts) on the MongoDB
// store, over gRPC on a real server: every owner check is a database query.
import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { ISOLATION_AUTH, isolationMatrix } from "./helpers/isolation-matrix.js";
import { clientsOf, startTestServer, type ServiceClients } from "./helpers/server.js";

isolationMatrix(async () => {
  const t = await startTestServer(
    { store: "mongodb", mongodbUri: inject("mongodbUri"), mongodbDatabase: `isolation_${randomUUID().slice(0, 8)}` },
    { auth: ISOLATION_AUTH },
  );
  // One transport (one HTTP/2 session) per credential and headers, not one per call.
  const clients = new Map<string, ServiceClients>();
  const as = (token: string, headers: Record<string, string> = {}) => {
    const all = { ...headers, authorization: `Bearer ${token}` };
    const key = JSON.stringify(all);
    let client = clients.get(key);
    if (!client) {
      const transport = createGrpcTransport({ baseUrl: t.url, interceptors: [(next) => (req) => (Object.entries(all).forEach(([k, v]) => req.header.set(k, v)), next(req))] });
      clients.set(key, (client = clientsOf(transport)));
    }
    return client;
  };
  return { as, stores: t.server.app.stores, close: () => t.stop() };
});
