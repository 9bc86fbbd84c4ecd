// Serves a built static site (the playground: built by Vite into dist/playground
// by `npm run build`, or into .cache/playground to run from source) under a path
// prefix. GET and HEAD only; a path never leaves the directory.
import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { extname, resolve, sep } from "node:path";
import type { RequestHandler } from "./listen.js";

type Req = Parameters<RequestHandler>[0];
type Res = Parameters<RequestHandler>[1];

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".wasm": "application/wasm",
};

/**
 * The page talks to this origin only and runs only its own bundled script;
 * its one inline <style> needs 'unsafe-inline' for styles (never for scripts).
 */
const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
};

export const NOT_BUILT = "playground not built: run npm run build (or, running from source, npm run build:playground)";

type Send = (status: number, text: string, headers?: Record<string, string>) => void;

/** Streams one file of `root` (the real, symlink-resolved path must stay inside it). */
async function serveFile(root: string, file: string, req: Req, response: Res, send: Send): Promise<void> {
  const rootStat = await stat(root).catch(() => null);
  if (!rootStat?.isDirectory()) return send(404, NOT_BUILT + "\n");
  // A symlink inside the directory must not lead out of it.
  const [realRoot, real] = await Promise.all([realpath(root), realpath(file).catch(() => null)]);
  if (!real || !real.startsWith(realRoot + sep)) return send(404, "not found\n");
  const info = await stat(real).catch(() => null);
  if (!info?.isFile()) return send(404, "not found\n");
  const immutable = file.startsWith(resolve(root, "assets") + sep);
  response.writeHead(200, {
    "content-type": TYPES[extname(file).toLowerCase()] ?? "application/octet-stream",
    "content-length": String(info.size),
    "cache-control": immutable ? "public, max-age=31536000, immutable" : "no-cache",
    ...SECURITY_HEADERS,
  });
  if (req.method === "HEAD") {
    response.end();
    return;
  }
  const stream = createReadStream(real);
  stream.on("error", () => response.destroy());
  stream.pipe(response as NodeJS.WritableStream);
}

/** The file a path under `base` names, or an error status: never outside `root`, never a source map. */
function fileFor(root: string, base: string, path: string): { file: string } | { status: number; text: string } {
  let rel: string;
  try {
    rel = decodeURIComponent(path.slice(base.length));
  } catch {
    return { status: 400, text: "bad path\n" };
  }
  if (rel === "" || rel.endsWith("/")) rel += "index.html";
  const file = resolve(root, rel);
  // Source maps are not served: they would hand out the page's source tree.
  if (rel.includes("\0") || !file.startsWith(root + sep) || extname(file).toLowerCase() === ".map") return { status: 404, text: "not found\n" };
  return { file };
}

/**
 * Returns a handler that answers requests under `prefix` from the files in
 * `dir` and returns true, or returns false for any other path. `prefix` ends
 * with "/"; the prefix itself and the prefix without its slash serve index.html.
 */
export function staticFiles(dir: string, prefix = "/playground/"): (req: Req, res: Res) => boolean {
  const root = resolve(dir);
  const bare = prefix.endsWith("/") ? prefix.slice(0, -1) : prefix;
  const base = bare + "/";
  return (req, res) => {
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (path !== bare && !path.startsWith(base)) return false;
    const response = res as Res;
    const send: Send = (status, text, headers = {}) => {
      response.writeHead(status, { "content-type": "text/plain; charset=utf-8", "content-length": String(Buffer.byteLength(text)), ...headers });
      if (req.method === "HEAD") response.end();
      else response.end(text);
    };
    if (req.method !== "GET" && req.method !== "HEAD") {
      send(405, "method not allowed\n", { allow: "GET, HEAD" });
      return true;
    }
    const target = fileFor(root, base, path);
    if ("status" in target) {
      send(target.status, target.text);
      return true;
    }
    void serveFile(root, target.file, req, response, send).catch(() => {
      if (!response.headersSent) send(500, "internal error\n");
      else response.destroy();
    });
    return true;
  };
}
