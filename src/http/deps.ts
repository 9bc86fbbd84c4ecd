// What the HTTP routes need, by closure: the application's use cases, the
// contract's validator (the routes decode into the RPC messages), and the
// adapter's own counters. No store, no runtime.
import type { Validator } from "@bufbuild/protovalidate";
import type { Application } from "../application/index.js";

export interface HttpDeps {
  app: Application;
  validator: Validator;
  /** Counts events sent (metrics), shared with the RPC adapter. */
  eventsSent?: { inc(): void };
}

/** Where a run lives in the Platform's URL space; the SDK reads it from Content-Location and reconnects to `stream`. */
export function runLocation(run: { threadId: string; runId: string }): { content: string; stream: string } {
  const content = `/threads/${run.threadId}/runs/${run.runId}`;
  return { content, stream: `${content}/stream` };
}
