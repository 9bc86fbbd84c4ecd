// One webhook POST: signed, bounded in time, and sent only to an address
// checked here (the name is resolved once, every address it has checked,
// and the connection made to those, so a rebinding DNS answer cannot slip
// a private address in between the check and the connect).
import { createHmac } from "node:crypto";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { hostOf, isNonPublicAddress, webhookUrlProblem } from "./addresses.js";

/** Resolves a name to all its addresses (node:dns's lookup with `all`, or a stand-in in tests). */
export type ResolveAll = (hostname: string, family: number) => Promise<LookupAddress[]>;

export const systemResolveAll: ResolveAll = (hostname, family) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, family }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

export interface PostTarget {
  url: string;
  body: string;
  deliveryId: string;
  attempt: number;
}

export interface PostSettings {
  secret: string;
  allowPrivate: boolean;
  timeoutMs: number;
  resolveAll: ResolveAll;
  agents: { http: http.Agent; https: https.Agent };
}

/** delivered: 2xx; retry: worth another attempt (a non-2xx answer, a network error, a timeout); else refused for good. */
export type PostOutcome = { kind: "delivered" | "retry" | "refused"; detail: string };

class RefusedAddressError extends Error {}

/** `sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`, what x-agent-runs-signature carries. */
export function webhookSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/** A lookup for http.request that refuses names resolving to a non-public address, and hands on the addresses it checked. */
function checkedLookup(settings: PostSettings): LookupFunction {
  return (hostname, options, callback) => {
    settings.resolveAll(hostname, options.family === 6 ? 6 : options.family === 4 ? 4 : 0).then(
      (addresses) => {
        const refused = settings.allowPrivate ? undefined : addresses.find((a) => isNonPublicAddress(a.address));
        if (refused) throw new RefusedAddressError(`${hostname} resolves to ${refused.address}, a loopback, private or link-local address`);
        if (addresses.length === 0) throw new Error(`${hostname} has no address`);
        if (options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
    ).catch((error: NodeJS.ErrnoException) => callback(error, "", 0));
  };
}

export async function postWebhook(target: PostTarget, settings: PostSettings): Promise<PostOutcome> {
  // Checked again: the server may have restarted with other settings since the run was created.
  const problem = webhookUrlProblem(target.url, settings.allowPrivate);
  if (problem) return { kind: "refused", detail: problem };
  const url = new URL(target.url);
  const timestamp = String(Math.floor(Date.now() / 1000));
  const headers = {
    "content-type": "application/json",
    "user-agent": "agent-runs-webhook",
    "x-agent-runs-delivery": target.deliveryId,
    "x-agent-runs-attempt": String(target.attempt),
    "x-agent-runs-timestamp": timestamp,
    "x-agent-runs-signature": webhookSignature(settings.secret, timestamp, target.body),
  };
  const secure = url.protocol === "https:";
  const options: http.RequestOptions = {
    method: "POST",
    headers,
    agent: secure ? settings.agents.https : settings.agents.http,
    signal: AbortSignal.timeout(settings.timeoutMs),
    // A literal address was checked above and is never looked up.
    ...(isIP(hostOf(url)) === 0 && { lookup: checkedLookup(settings) }),
  };
  try {
    const status = await send(secure ? https.request : http.request, url, options, target.body);
    if (status >= 200 && status < 300) return { kind: "delivered", detail: `HTTP ${status}` };
    return { kind: "retry", detail: `HTTP ${status}` };
  } catch (error) {
    if (error instanceof RefusedAddressError) return { kind: "refused", detail: error.message };
    const timedOut = (error as Error).name === "TimeoutError" || (error as Error).name === "AbortError";
    return { kind: "retry", detail: timedOut ? `no answer within ${settings.timeoutMs} ms` : (error as Error).message };
  }
}

/** Sends the body, reads the answer to its end (so the connection can be reused) and resolves with its status. */
function send(request: typeof http.request, url: URL, options: http.RequestOptions, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, options, (res) => {
      res.on("error", reject);
      res.on("end", () => resolve(res.statusCode ?? 0));
      res.resume();
    });
    req.on("error", reject);
    req.end(body);
  });
}
