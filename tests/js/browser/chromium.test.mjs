// The package in headless Chromium: the runtime-neutral cases through the "browser"
// entry, and the memory-tier playground driven like a person would (clicks, reads the page).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { neutralCases } from "../cases/all.mjs";
import { serve } from "../../../scripts/serve.mjs";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
let server;
let browser;
let base;

before(async () => {
  server = await serve(0);
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
});
after(async () => {
  await browser?.close();
  server?.close();
});

test("runtime-neutral cases pass in Chromium", async (t) => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/tests/browser/cases.html`);
  await page.waitForFunction(() => window.caseResults !== undefined, null, { timeout: 30_000 });
  const results = await page.evaluate(() => window.caseResults);
  assert.deepEqual(errors, []);
  assert.equal(results.length, neutralCases.length);
  for (const r of results) {
    await t.test(`chromium: ${r.name}`, () => assert.ok(r.ok, r.error));
  }
  await page.close();
});

test("memory-tier playground: set, get, evict, expire, stats", async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`${base}/memory.html`);
  await page.waitForFunction(() => window.edgecacheDemoReady === true);
  const stat = async (name) => Number(await page.textContent(`#stat-${name}`));

  await page.fill("#key", "user:1");
  await page.click("#set");
  await page.click("#get");
  assert.equal(await stat("hits"), 1);
  assert.match(await page.textContent("#log"), /get user:1 → hit \{"name":"Ada"\}/);

  await page.click("#fill"); // 10 more keys into a 4-entry cache
  assert.equal(await stat("size"), 4);
  assert.equal(await stat("evictions"), 7);
  assert.equal(await page.locator("#entries tr.gone").count(), 7, "evicted keys shown as gone");

  for (let i = 0; i < 5; i++) await page.click("#advance"); // past the 5 s TTL
  await page.click("#get");
  assert.equal(await page.locator("#entries tr:not(.gone)").count(), 0, "all expired");
  assert.ok((await stat("expirations")) >= 1);

  await page.fill("#maxEntries", "0");
  await page.click("#create");
  assert.match(await page.textContent("#log"), /EdgeCacheError E_CONFIG: MemoryCache: option maxEntries/);
  if (process.env.DEMO_SCREENSHOT) await page.screenshot({ path: process.env.DEMO_SCREENSHOT, fullPage: true });
  assert.deepEqual(errors, []);
  await page.close();
});
