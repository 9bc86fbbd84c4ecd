// Plain GETs read to their end as text: HTTP/1.1 on a fresh connection (no
// keep-alive agent), or one stream of an HTTP/2 session.
import http from "node:http";
import type http2 from "node:http2";

export function getText(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve(text));
      })
      .on("error", reject);
  });
}

/** A GET of `path` on an open HTTP/2 session, read to its end as text. */
export function h2Get(session: http2.ClientHttp2Session, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = session.request({ ":path": path });
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (text += chunk));
    req.on("end", () => resolve(text));
    req.on("error", reject);
    req.end();
  });
}
