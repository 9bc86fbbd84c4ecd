// A real HTTP server on 127.0.0.1 that takes webhooks: it keeps every
// request (headers, body, when it came) and answers with the next status of
// its script (the last one once the script runs out; 0: no answer at all,
// the request is left hanging).
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface ReceivedHook {
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedHook[];
  /** The statuses to answer with, in order; the last repeats; 0 leaves the request unanswered. */
  script: number[];
  close(): Promise<void>;
}

/** Listens on `port` (0: any free one). */
export async function webhookReceiver(script: number[] = [200], port = 0): Promise<WebhookReceiver> {
  const received: ReceivedHook[] = [];
  const receiver = { received, script } as WebhookReceiver;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: Date.now() });
      const status = receiver.script[Math.min(received.length, receiver.script.length) - 1] ?? 200;
      if (status === 0) return;
      res.writeHead(status, { "content-type": "text/plain" }).end(status < 300 ? "ok" : "not now");
    });
  });
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks/runs`;
  receiver.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return receiver;
}
