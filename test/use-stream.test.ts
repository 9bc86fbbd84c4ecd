// React's useStream (@langchain/langgraph-sdk/react, unmodified) in a small
// page driven by Debian's Chromium against agent-runs' HTTP API: submit and
// watch the tokens arrive, stop a run, and reload mid-run to rejoin it
// (reconnectOnMount). Chromium is a test peer (test/peers/chromium.sh); without
// it the test fails, never skips.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type Browser, type Page } from "playwright-core";
import { build } from "vite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { servePage, type PageServer } from "./helpers/page-server.js";

const CHROMIUM = "/usr/bin/chromium";
const PAGE = fileURLToPath(new URL("./fixtures/use-stream", import.meta.url));
const ANSWER = "The text has 3 words.";

let outDir: string;
let server: PageServer | undefined;
let url: string;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run test/peers/chromium.sh to install Chromium`);
  outDir = await mkdtemp(join(tmpdir(), "agent-runs-use-stream-"));
  await build({ root: PAGE, base: "/playground/", logLevel: "error", configFile: false, build: { outDir, emptyOutDir: true, target: "es2022" } });
  server = await servePage(outDir);
  url = server.url;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

/** A fresh page that fails the test on any page error or failed request. */
async function open(): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("response", (r) => {
    if (r.status() >= 400) problems.push(`${r.status()} ${r.request().method()} ${new URL(r.url()).pathname}`);
  });
  await page.goto(`${url}/playground/`);
  return { page, problems };
}

const texts = (page: Page) => page.locator('[data-testid="messages"] li').allTextContents();
const runsOf = async (threadId: string) => (await (await fetch(`${url}/threads/${threadId}/runs`)).json()) as Array<{ run_id: string; status: string }>;

describe("useStream in Chromium", () => {
  it("submits and streams the answer token by token", { timeout: 60_000 }, async () => {
    const { page, problems } = await open();
    // Every text the last message shows while it streams.
    await page.evaluate(() => {
      const seen: string[] = ((window as unknown as { seen: string[] }).seen = []);
      new MutationObserver(() => seen.push(document.querySelector('[data-testid="messages"] li:last-child')?.textContent ?? "")).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.getByTestId("submit").click();
    await expect.poll(() => texts(page), { timeout: 30_000 }).toContain(ANSWER);
    await expect.poll(() => page.getByTestId("loading").textContent()).toBe("false");
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    const partial = seen.filter((s) => s.length > 0 && s.length < ANSWER.length && ANSWER.startsWith(s));
    expect(partial.length, `texts seen: ${JSON.stringify([...new Set(seen)])}`).toBeGreaterThan(0);
    expect(await texts(page)).toEqual(["hello from useStream", "", "3", ANSWER]);
    expect(await page.getByTestId("error").textContent()).toBe("");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("stops a running run: the run is cancelled on the server", { timeout: 60_000 }, async () => {
    const { page, problems } = await open();
    await page.getByTestId("delay").fill("20000");
    await page.getByTestId("submit").click();
    await expect.poll(() => page.getByTestId("thread").textContent()).toMatch(/\S/);
    const threadId = (await page.getByTestId("thread").textContent())!;
    await expect.poll(async () => (await runsOf(threadId))[0]?.status).toBe("running");
    await page.getByTestId("stop").click();
    await expect.poll(() => page.getByTestId("loading").textContent()).toBe("false");
    await expect.poll(async () => (await runsOf(threadId))[0]?.status).toBe("interrupted");
    expect(problems).toEqual([]);
    await page.close();
  });

  it("reloads mid-run and rejoins the running run to its end", { timeout: 90_000 }, async () => {
    const { page, problems } = await open();
    await page.getByTestId("delay").fill("1500");
    await page.getByTestId("submit").click();
    await expect.poll(() => page.getByTestId("thread").textContent()).toMatch(/\S/);
    const threadId = (await page.getByTestId("thread").textContent())!;
    await expect.poll(async () => (await runsOf(threadId))[0]?.status).toBe("running");
    const [run] = await runsOf(threadId);
    await page.reload();
    // The page came back on the same thread, found its run in sessionStorage and joined it.
    await expect.poll(() => page.getByTestId("thread").textContent()).toBe(threadId);
    await expect.poll(() => texts(page), { timeout: 30_000 }).toContain(ANSWER);
    expect(await runsOf(threadId)).toEqual([expect.objectContaining({ run_id: run!.run_id, status: "success" })]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
