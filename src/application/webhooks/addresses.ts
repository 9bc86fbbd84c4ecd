// Where a webhook may go: http(s) only, no credentials in the URL, and,
// unless the server runs with --webhook-allow-private, never to this host,
// its network or the cloud's metadata service (SSRF). Checked on the URL at
// creation and again on every address its name resolves to at delivery, so
// a name that later points inside (DNS rebinding) is refused too.
import { BlockList, isIP } from "node:net";

/** Everything but global unicast: loopback, private, link-local, CGNAT, documentation, multicast, reserved. */
const NOT_PUBLIC = new BlockList();
for (const [prefix, bits] of [
  ["0.0.0.0", 8], // "this network", 0.0.0.0 (unspecified) included
  ["10.0.0.0", 8],
  ["100.64.0.0", 10], // carrier-grade NAT
  ["127.0.0.0", 8],
  ["169.254.0.0", 16], // link-local, cloud metadata (169.254.169.254)
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4], // multicast
  ["240.0.0.0", 4], // reserved, broadcast included
] as const) {
  NOT_PUBLIC.addSubnet(prefix, bits, "ipv4");
}
for (const [prefix, bits] of [
  ["::", 96], // unspecified, loopback (::1) and IPv4-compatible
  ["64:ff9b:1::", 48], // local-use NAT64
  ["100::", 64], // discard
  ["2001::", 32], // Teredo
  ["2001:db8::", 32], // documentation
  ["2002::", 16], // 6to4, which embeds any IPv4 address
  ["fc00::", 7], // unique local
  ["fe80::", 10], // link-local
  ["fec0::", 10], // site-local (deprecated)
  ["ff00::", 8], // multicast
] as const) {
  NOT_PUBLIC.addSubnet(prefix, bits, "ipv6");
}

/** NAT64's well-known prefix (RFC 6052): an IPv6-only host reaches IPv4 through it, the IPv4 address in the last 32 bits. */
const NAT64 = new BlockList();
NAT64.addSubnet("64:ff9b::", 96, "ipv6");

/** The IPv4 address in an IPv6 address's last 32 bits (as written by URL or a resolver: hex groups, or a dotted tail). */
function lastIPv4(address: string): string {
  const groups = address.split(":");
  const tail = groups.at(-1) ?? "";
  if (tail.includes(".")) return tail;
  // An empty group is part of a "::", so zeros.
  const [hi, lo] = [groups.at(-2), tail].map((g) => parseInt(g || "0", 16));
  return [hi! >> 8, hi! & 255, lo! >> 8, lo! & 255].join(".");
}

/**
 * True for an address a webhook must not reach without --webhook-allow-private. IPv4-mapped IPv6
 * is judged as its IPv4 (by BlockList itself), and so is a NAT64 address: a gateway would take it there.
 */
export function isNonPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  if (family === 6 && NAT64.check(address, "ipv6")) return NOT_PUBLIC.check(lastIPv4(address), "ipv4");
  return NOT_PUBLIC.check(address, family === 4 ? "ipv4" : "ipv6");
}

/** The URL's host as an address or a name: IPv6 without its brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/** `localhost` and its subdomains (RFC 6761), with or without the root's trailing dot. */
const LOCAL_NAME = /(^|\.)localhost\.?$/i;

/** Why `raw` cannot be a webhook URL, or null when it can. */
export function webhookUrlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return "not a valid URL";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be an http or https URL";
  if (url.username !== "" || url.password !== "") return "must not carry a user name or password";
  if (allowPrivate) return null;
  const host = hostOf(url);
  const local = isIP(host) !== 0 ? isNonPublicAddress(host) : LOCAL_NAME.test(host);
  if (local) return `${host} is a loopback, private or link-local address; refused (the server runs without --webhook-allow-private)`;
  return null;
}
