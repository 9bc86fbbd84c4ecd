// The static file server keeps to its directory even through symlinks, does not
// hand out source maps, and tells browsers what the page may load and where it
// may be framed.
import { mkdtemp, rm, symlink, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen, type Listening } from "../src/server/listen.js";
import { staticFiles } from "../src/server/static.js";

let dir: string;
let listening: Listening;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "agent-runs-static-"));
  const site = join(dir, "site");
  await mkdir(join(site, "assets"), { recursive: true });
  await writeFile(join(site, "index.html"), "<!doctype html><title>page</title>");
  await writeFile(join(site, "assets", "app.js"), "console.log(1)");
  await writeFile(join(site, "assets", "app.js.map"), '{"sources":["../src/secret.ts"]}');
  await writeFile(join(dir, "outside.txt"), "secret outside the root");
  await symlink(join(dir, "outside.txt"), join(site, "leak.txt"));
  await symlink(join(site, "assets", "app.js"), join(site, "inside-link.js"));
  const serve = staticFiles(site);
  listening = await listen((req, res) => {
    if (!serve(req, res)) {
      res.writeHead(418);
      res.end();
    }
  }, "127.0.0.1", 0);
  url = `http://127.0.0.1:${listening.port}`;
});

afterAll(async () => {
  const closed = listening.close();
  listening.destroy();
  await closed;
  await rm(dir, { recursive: true, force: true });
});

describe("staticFiles", () => {
  it("does not follow a symlink out of its directory, but serves one that stays inside", async () => {
    const leak = await fetch(`${url}/playground/leak.txt`);
    expect(leak.status).toBe(404);
    expect(await leak.text()).not.toContain("secret");
    const inside = await fetch(`${url}/playground/inside-link.js`);
    expect(inside.status).toBe(200);
    expect(await inside.text()).toBe("console.log(1)");
  });

  it("does not serve source maps", async () => {
    const map = await fetch(`${url}/playground/assets/app.js.map`);
    expect(map.status).toBe(404);
    expect(await map.text()).not.toContain("secret.ts");
  });

  it("sends a Content-Security-Policy and refuses framing", async () => {
    const page = await fetch(`${url}/playground/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
  });
});
