// The playground page in a real headless Chromium against a real server:
// build it with Vite, serve it with staticFiles() in front of the app, start a
// run, watch its events, page its messages, leave feedback, find the run again
// under its thread. Chromium is a test
// peer (test/peers/chromium.sh); without it the test fails, never skips.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen } from "../src/server/listen.js";
import { NOT_BUILT, staticFiles } from "../src/server/static.js";
import { servePage, type PageServer } from "./helpers/page-server.js";
import { expectStrictlyIncreasing } from "./helpers/events.js";

const REPO = fileURLToPath(new URL("..", import.meta.url));
const CHROMIUM = "/usr/bin/chromium";
const SCREENSHOT = join(REPO, "test-results", "playground.png");

let outDir: string;
let server: PageServer | undefined;
let url: string;
let browser: Browser | undefined;

beforeAll(async () => {
  // The real config file, built into a temp dir so a running `npm start` keeps its copy.
  outDir = await mkdtemp(join(tmpdir(), "agent-runs-playground-"));
  await build({
    configFile: join(REPO, "src/playground/vite.config.ts"),
    mode: "production",
    logLevel: "warn",
    build: { outDir, emptyOutDir: true },
  });
  server = await servePage(outDir);
  url = server.url;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** A raw HTTP/1.1 request: the path goes out exactly as written (no URL normalization). */
function raw(method: string, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((done, fail) => {
    const req = http.request({ host: "127.0.0.1", port: server!.listening.port, method, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => done({ status: res.statusCode ?? 0, type: String(res.headers["content-type"] ?? ""), body }));
    });
    req.on("error", fail);
    req.end();
  });
}

describe("staticFiles", () => {
  it("serves index.html at /playground/ and /playground, and hashed assets with their types", async () => {
    for (const path of ["/playground/", "/playground", "/playground/index.html?x=1"]) {
      const res = await raw("GET", path);
      expect(res.status, path).toBe(200);
      expect(res.type).toBe("text/html; charset=utf-8");
      expect(res.body).toContain("agent-runs playground");
    }
    const script = /src="(\/playground\/assets\/[^"]+\.js)"/.exec((await raw("GET", "/playground/")).body)?.[1];
    expect(script).toBeDefined();
    const js = await raw("GET", script!);
    expect(js.status).toBe(200);
    expect(js.type).toBe("text/javascript; charset=utf-8");
    const head = await raw("HEAD", script!);
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("refuses traversal, other methods and missing files; leaves other paths to the app", async () => {
    for (const path of ["/playground/../package.json", "/playground/..%2fpackage.json", "/playground/%2e%2e/%2e%2e/package.json", "/playground/%2Fetc%2Fpasswd", "/playground/nope.js"]) {
      const res = await raw("GET", path);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain("agent-runs");
    }
    expect((await raw("POST", "/playground/")).status).toBe(405);
    expect((await raw("GET", "/healthz")).body).toBe('{"status":"ok"}');
    expect((await raw("GET", "/playgroundx")).status).toBe(404); // the app's, not ours
  });

  it("says how to build the playground when its directory is missing", async () => {
    const handler = staticFiles(join(outDir, "missing"));
    const bare = await listen((req, res) => {
      if (!handler(req, res)) {
        res.writeHead(418);
        res.end();
      }
    }, "127.0.0.1", 0);
    try {
      const res = await fetch(`http://127.0.0.1:${bare.port}/playground/`);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain(NOT_BUILT);
      expect((await fetch(`http://127.0.0.1:${bare.port}/elsewhere`)).status).toBe(418);
    } finally {
      const closed = bare.close();
      bare.destroy();
      await closed;
    }
  });
});

describe("playground page in Chromium", () => {
  it("streams a run's events, pages its messages and takes feedback", { timeout: 90_000 }, async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} is missing: run test/peers/chromium.sh to install Chromium for the playground test`);
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = await browser.newPage({ viewport: { width: 1200, height: 1000 } });
    const problems: string[] = [];
    page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) problems.push(`console: ${m.text()}`);
    });
    page.on("response", (r) => {
      if (r.status() >= 400) problems.push(`${r.status()} ${new URL(r.url()).pathname}`);
    });

    await page.goto(`${url}/playground/`);
    await expect.poll(() => page.title()).toBe("agent-runs playground");

    // Start a run with every mode the page offers.
    await page.getByTestId("message").fill("hello from the playground");
    for (const mode of ["values", "updates", "messages", "custom"]) await page.getByTestId(`mode-${mode}`).check();
    await page.getByTestId("custom-events").fill("2");
    await page.getByTestId("start").click();
    await page.locator('[data-testid="event-row"][data-kind="end"]').waitFor({ timeout: 30_000 });

    const rows = await page.getByTestId("event-row").evaluateAll((trs) =>
      trs.map((tr) => ({
        kind: (tr as HTMLElement).dataset["kind"],
        mode: (tr as HTMLElement).dataset["mode"],
        id: tr.children[0]!.textContent!,
        json: tr.children[2]!.textContent!,
      })),
    );
    expect(rows[0]!.kind).toBe("metadata");
    const runId = (await page.getByTestId("run-id").textContent())!;
    expect(runId).toMatch(/^[0-9a-f-]{36}$/);
    expect(rows[0]!.json).toContain(runId);
    expect(rows.at(-1)!.kind).toBe("end");
    expect(rows.at(-1)!.json).toContain("RUN_STATUS_SUCCESS");
    expect(rows.filter((r) => r.kind === "end")).toHaveLength(1);
    expect(new Set(rows.map((r) => r.mode).filter(Boolean))).toEqual(new Set(["values", "updates", "messages", "custom"]));
    expectStrictlyIncreasing(rows.map((r) => BigInt(r.id)));
    await expect.poll(() => page.getByTestId("run-status").textContent()).toBe("success");

    // Page the messages two at a time: latest, older, then newer again.
    const types = () => page.locator('[data-testid="message-row"] td.type').allTextContents();
    await page.getByTestId("limit").fill("2");
    await page.getByTestId("msgs-latest").click();
    await expect.poll(types).toEqual(["tool", "ai"]);
    expect(await page.getByTestId("has-more").textContent()).toBe("true");
    await page.getByTestId("msgs-older").click();
    await expect.poll(types).toEqual(["human", "ai"]);
    expect(await page.getByTestId("has-more").textContent()).toBe("false");
    expect(await page.getByTestId("msgs-older").isDisabled()).toBe(true);
    const olderSeqs = await page.getByTestId("message-row").evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset["seq"]));
    await expect(page.locator('[data-testid="message-row"] td.content').first().textContent()).resolves.toBe("hello from the playground");
    await page.getByTestId("msgs-newer").click();
    await expect.poll(types).toEqual(["tool", "ai"]);
    expect(await page.getByTestId("has-more").textContent()).toBe("false");
    const newerSeqs = await page.getByTestId("message-row").evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset["seq"]));
    const seqs = [...olderSeqs, ...newerSeqs].map((seq) => BigInt(seq!));
    expect(seqs).toHaveLength(4);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]! > seqs[i - 1]!).toBe(true);
    await page.getByTestId("limit").fill("10");
    await page.getByTestId("msgs-latest").click();
    await expect.poll(types).toEqual(["human", "ai", "tool", "ai"]);

    // +1 with a comment, listed by ListRunFeedback; a second one is refused.
    await page.getByTestId("fb-comment").fill("great run");
    await page.getByTestId("fb-up").click();
    const feedback = page.getByTestId("feedback-row");
    await expect.poll(() => feedback.count()).toBe(1);
    expect(await feedback.first().getAttribute("data-rating")).toBe("1");
    expect(await feedback.first().locator("td.comment").textContent()).toBe("great run");
    expect(await feedback.first().locator("td.rating").textContent()).toBe("+1");
    await page.getByTestId("fb-down").click();
    await expect.poll(() => page.getByTestId("error").textContent()).toContain("already_exists");
    expect(await feedback.count()).toBe(1);
    // That refusal (ALREADY_EXISTS is HTTP 409 in Connect) is the page's only failed request or error.
    expect(problems).toEqual(["409 /agentruns.v1.RunsService/CreateRunFeedback"]);

    // The run's thread is listed (refreshed when the run ended); picking it lists
    // its run, and picking the run opens it again.
    const threadId = (await page.getByTestId("thread-id").textContent())!;
    const threadRow = page.locator(`[data-testid="thread-row"][data-thread-id="${threadId}"]`);
    await expect.poll(() => threadRow.count()).toBe(1);
    expect(await threadRow.locator("td").nth(1).textContent()).toBe("idle");
    await threadRow.click();
    const runRow = page.locator(`[data-testid="run-row"][data-run-id="${runId}"]`);
    await expect.poll(() => runRow.count()).toBe(1);
    expect(await page.getByTestId("runs-of").textContent()).toBe(threadId);
    expect(await runRow.locator("td").nth(2).textContent()).toBe("success");
    await page.getByTestId("msgs-latest").evaluate((el) => ((el as HTMLButtonElement).disabled = true));
    await page.getByTestId("error").evaluate((el) => (el.textContent = ""));
    await runRow.click();
    expect(await page.getByTestId("run-id").textContent()).toBe(runId);
    await expect.poll(types).toEqual(["human", "ai", "tool", "ai"]);
    await expect.poll(() => page.getByTestId("msgs-latest").isDisabled()).toBe(false);

    await page.getByTestId("error").evaluate((el) => (el.textContent = "")); // a clean picture
    await mkdir(resolve(REPO, "test-results"), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  });
});
