// examples/browser-vite: built with `vite build`, served with Vite's preview server, and
// clicked through in headless Chromium; also loaded from Vite's dev server (`vite`).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { chromium } from "playwright-core";
import { createServer, preview } from "vite";
import { packageWasm } from "./support/package_wasm.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLE = join(ROOT, "examples/browser-vite");
const WASM = packageWasm();
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SERVER = { host: "127.0.0.1", port: 0, strictPort: true };

const scratch = mkdtempSync(join(tmpdir(), "edgecache-example-vite-"));
const outDir = join(scratch, "dist");
let browser;
const servers = [];

before(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync"],
  });
});
after(async () => {
  await browser?.close();
  await Promise.all(servers.map((s) => s.close()));
  rmSync(scratch, { recursive: true, force: true });
});

test("vite build emits the package's .wasm as an asset", async () => {
  const { stdout } = await promisify(execFile)(
    join(ROOT, "node_modules/.bin/vite"), ["build", "--outDir", outDir, "--emptyOutDir"],
    { cwd: EXAMPLE, timeout: 60_000, env: { ...process.env, NO_COLOR: "1" } },
  );
  assert.match(stdout, /built in/);
  const wasm = readdirSync(join(outDir, "assets")).filter((f) => f.endsWith(".wasm"));
  assert.equal(wasm.length, 1, `one .wasm among the assets: ${wasm}`);
  assert.ok(readFileSync(join(outDir, "assets", wasm[0])).equals(WASM), "the package's own .wasm");
});

test("the built page: memory hit, Cache Storage hit after a reload, invalidation", async () => {
  const server = await preview({ root: EXAMPLE, build: { outDir }, preview: SERVER, logLevel: "silent" });
  servers.push(server.httpServer);
  await walkThrough(server.resolvedUrls.local[0]);
});

test("the page from Vite's dev server works the same", async () => {
  const server = await createServer({ root: EXAMPLE, cacheDir: join(scratch, "vite-cache"), server: SERVER, logLevel: "silent" });
  servers.push(server);
  await server.listen();
  await walkThrough(server.resolvedUrls.local[0]);
});

/** Reads twice, reloads and reads, invalidates and reads, checking the page's counters each time. */
async function walkThrough(url) {
  const context = await browser.newContext(); // its own Cache Storage
  const page = await context.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("console", (m) => ["error", "warning"].includes(m.type()) && problems.push(`${m.type()}: ${m.text()}`));
  const wasm = [];
  page.on("response", (r) => r.url().includes(".wasm") && wasm.push(`${r.status()} ${r.headers()["content-type"]}`));

  const counters = async () => ({
    memoryHits: Number(await page.textContent("#memory-hits")),
    storeHits: Number(await page.textContent("#store-hits")),
    loads: Number(await page.textContent("#loads")),
  });
  /** Clicks a button and waits for the page to show the outcome. */
  const click = async (id) => {
    const before = await page.textContent("#last");
    await page.click(`#${id}`);
    await page.waitForFunction((b) => document.getElementById("last").textContent !== b, before);
  };
  const open = async (how) => {
    await how();
    await page.waitForSelector("#read:not([disabled])", { timeout: 15_000 });
  };

  await open(() => page.goto(url));
  await click("read");
  assert.match(await page.textContent("#last"), /^Product 1, 11 € in [\d.]+ ms$/);
  assert.deepEqual(await counters(), { memoryHits: 0, storeHits: 0, loads: 1 });
  await page.click("#read"); // the same text again: wait on the counter instead
  await page.waitForFunction(() => document.getElementById("memory-hits").textContent === "1");
  assert.deepEqual(await counters(), { memoryHits: 1, storeHits: 0, loads: 1 }, "memory answers");

  await open(() => page.reload()); // a new page: empty memory, the same Cache Storage
  await click("read");
  assert.deepEqual(await counters(), { memoryHits: 0, storeHits: 1, loads: 0 }, "Cache Storage answers");

  await click("invalidate");
  await click("read");
  assert.equal((await counters()).loads, 1, "an invalidated tag loads again");

  assert.deepEqual(problems, []);
  assert.equal(wasm.length, 2, `the .wasm fetched once per page load: ${wasm}`);
  assert.equal(wasm[0], "200 application/wasm"); // (a wrong type would also be a console warning)
  await context.close();
}
