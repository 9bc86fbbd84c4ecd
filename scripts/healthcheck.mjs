#!/usr/bin/env node
// The container's HEALTHCHECK: the standard gRPC health check
// (grpc.health.v1.Health/Check, the same one Kubernetes' gRPC probes call) as
// a Connect unary call over HTTP/1.1, so the image needs nothing but node.
// Exit 0 when the server answers SERVING, else 1 with the reason on stderr.
//
//   node scripts/healthcheck.mjs [SERVICE]      SERVICE defaults to "" (the whole server)
//
// It calls the port and address the service listens on (PORT, HOST, as the
// service reads them); a wildcard address is reached over loopback.
const port = process.env.PORT || "8080";
const host = process.env.HOST || "127.0.0.1";
const target = host === "0.0.0.0" || host === "::" ? "127.0.0.1" : host;
const authority = target.includes(":") ? `[${target}]:${port}` : `${target}:${port}`;
const service = process.argv[2] ?? "";

try {
  const response = await fetch(`http://${authority}/grpc.health.v1.Health/Check`, {
    method: "POST",
    headers: { "content-type": "application/json", "connect-protocol-version": "1" },
    body: JSON.stringify({ service }),
    signal: AbortSignal.timeout(Number(process.env.HEALTHCHECK_TIMEOUT_MS || 3000)),
  });
  const body = await response.text();
  const status = response.ok ? JSON.parse(body).status : undefined;
  if (status !== "SERVING") {
    process.stderr.write(`unhealthy: HTTP ${response.status} ${body}\n`);
    process.exit(1);
  }
  process.stdout.write("SERVING\n");
} catch (error) {
  process.stderr.write(`unhealthy: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
