// The demo (`make demo`) in headless Chromium: the page loads the package's browser entry,
// each control is run at the 0.1× time scale, the numbers on screen are checked against the
// cache's own stats(), and a screenshot is taken (a temp dir, and .tmp/demo.png of the repo).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { serve } from "../../../scripts/serve.mjs";
import { at } from "../../../www/demo/format.js";
import { cellText } from "../../../www/demo/panels.js";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const REPO = fileURLToPath(new URL("../../../", import.meta.url));
let server;
let browser;
let page;
const errors = [];

before(async () => {
  server = await serve(0);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(`http://127.0.0.1:${server.address().port}/?scale=0.1`);
  await page.waitForFunction(() => window.demo?.ready === true, null, { timeout: 30_000 });
});
after(async () => {
  await browser?.close();
  server?.close();
});

/** Sends users at `rate` requests per simulated second for `ms` of real time, then waits for quiet. */
async function sendUsers(rate, ms) {
  await page.selectOption("#rate", String(rate));
  await page.click("#traffic");
  await page.waitForTimeout(ms);
  await page.click("#traffic");
  await page.evaluate(() => demo.settle());
}

/**
 * Redraws the page and reads every number it shows beside the stats() snapshot it drew
 * from: each stats cell, each shard cell, the firing alerts; the lifetime counts equal a
 * fresh stats() (nothing is running), and the page's own counters agree with them.
 */
async function checkScreen() {
  const seen = await page.evaluate(() => {
    const drawn = demo.render();
    return {
      drawn,
      fresh: demo.cache.stats(),
      scale: demo.clock.scale,
      cells: [...document.querySelectorAll("[data-stat]")].map((el) => [el.dataset.stat, el.dataset.kind ?? "count", el.textContent]),
      firing: [...document.querySelectorAll("#alerts-firing [data-rule]")].map((el) => el.dataset.rule + el.dataset.tier),
      sent: demo.requests.counts.sent,
      queries: demo.queries,
    };
  });
  const { drawn, fresh, scale } = seen;
  assert.ok(seen.cells.length > 30, "the stats table is on screen");
  for (const [ref, kind, text] of seen.cells) {
    const [scope, path] = ref.split(":");
    const value = scope === "shards" ? at(drawn.shards, path) : at(scope === "window" ? drawn.window : drawn, path);
    assert.equal(text, cellText(kind, value, scale), `${ref} on screen`);
  }
  assert.deepEqual(seen.firing, drawn.alerts.map((a) => a.rule + (a.tier ?? "")), "the firing alerts shown");
  for (const path of ["reads", "memory.hits", "store.hits", "store.writes", "loader.loads", "loader.errors", "loader.staleIfError"]) {
    assert.equal(at(fresh, path), at(drawn, path), `${path}: the page drew the current stats()`);
  }
  assert.equal(seen.sent, drawn.reads, "every request the page sent is one read");
  const { loads, errors: failed } = drawn.loader;
  assert.equal(seen.queries, 6 * (loads - failed) + failed, "six queries a load, one for a load the database failed");
  return drawn;
}

const text = (sel) => page.textContent(sel);
/** Points the Chart.js plot on `canvas` holds, per dataset label. */
const points = (canvas) => page.evaluate((id) => Object.fromEntries(
  Chart.getChart(id).data.datasets.map((d) => [d.label, d.data.filter((p) => p.y !== null).length])), canvas);

test("demo: users, hot key, database failure, shards, write-behind, tags — the screen shows stats()", async (t) => {
  await t.test("users: three tiers answer, plots and alerts follow stats()", async () => {
    await sendUsers(50, 3000);
    const s = await checkScreen();
    assert.ok(s.reads >= 100, `reads ${s.reads}`);
    assert.ok(s.memory.hits > 0 && s.store.hits > 0 && s.loader.loads > 0, "memory, store and loader answered");
    const latency = await points("plot-latency");
    assert.ok(latency.memory > 0 && latency.store > 0 && latency.loader > 0, JSON.stringify(latency));
    const hits = await points("plot-hit-rate");
    assert.ok(hits.overall > 0, "the hit-rate plot has points");
    assert.ok((await points("plot-db"))["with edgecache"] > 0, "the database plot has points");
    // A cold cache starts under minHitRate 80 %: the rule fired, as an event on screen.
    assert.match(await text("#alert-log"), /minHitRate: .* firing/);
    // The before/after panel: the six queries' 3.8 s (and a load as measured, in simulated
    // time: never less), the database calls and the saving from the live counts.
    assert.equal(await text("#before-latency"), "~3.80 s");
    const measured = Number((await text("#before-measured")).replace(/[^\d.]/g, ""));
    assert.ok(measured >= 3.8 && measured < 10, `a load measured ${measured} s`);
    assert.equal(Number(await text("#before-db")), 6 * s.reads);
    const saving = Number((await text("#after-saving")).replace(/[^\d.]/g, ""));
    const queries = await page.evaluate(() => demo.queries);
    assert.equal(saving, Number(((1 - queries / (6 * s.reads)) * 100).toFixed(1)));
  });

  await t.test("hot key: 1000 concurrent requests for a cold key make one load", async () => {
    const before = await page.evaluate(() => demo.queries);
    await page.click("#stampede");
    await page.waitForFunction(() => document.getElementById("stampede-result").dataset.loads !== undefined, null, { timeout: 20_000 });
    const r = await page.evaluate(() => ({ ...document.getElementById("stampede-result").dataset }));
    assert.deepEqual(r, { requests: "1000", answered: "1000", loaderCalls: "1", loads: "1" });
    assert.match(await text("#stampede-result"), /1000 requests → 1 loader call \(6 database queries\)/);
    assert.equal(await page.evaluate(() => demo.queries), before + 6);
    await checkScreen();
  });

  await t.test("database fails: expired entries are served stale, the error-rate alert fires", async () => {
    await page.click("#advance");
    await page.click("#db-fail");
    await sendUsers(50, 1000);
    const s = await checkScreen();
    assert.ok(s.loader.staleIfError > 0, `stale served ${s.loader.staleIfError}`);
    assert.ok(s.loader.errors >= s.loader.staleIfError);
    assert.match(await text("#db-result"), new RegExp(`stale served on error ${s.loader.staleIfError}`));
    assert.match(await text("#alert-log"), /maxErrorRate: .* firing/);
    await page.click("#db-fail");
    assert.match(await text("#db-fail"), /make the database fail/);
  });

  await t.test("three shards, b killed: breaker, failover, read-repair once b is back", async () => {
    await page.selectOption("#layout", "shards");
    await page.waitForFunction(() => document.getElementById("config").textContent.includes("three shards"));
    await sendUsers(50, 1500);
    await page.click("#kill");
    await sendUsers(50, 2000);
    let s = await checkScreen();
    assert.ok(s.shards.b.errors >= 5, `b errors ${s.shards.b.errors}`);
    assert.ok(s.shards.b.skippedWhileOpen > 0, "the breaker opened and b was skipped");
    assert.equal(await page.evaluate(() => demo.requests.counts.failed), 0, "every request answered: failover");
    await page.click("#kill"); // back, empty
    await page.waitForFunction(() => document.getElementById("kill").textContent === "kill shard b");
    await page.click("#advance"); // past the breaker's cool-down (and every ttl)
    await sendUsers(50, 2500);
    s = await checkScreen();
    assert.equal(s.shards.b.open, false);
    assert.ok(s.shards.b.repairs > 0, `b repaired ${s.shards.b.repairs}`);
  });

  await t.test("write-behind: 500 writes answer at memory speed, the queue drains", async () => {
    await page.click("#write-mode");
    await page.waitForFunction(() => document.getElementById("config").textContent.includes("write-behind"));
    await page.click("#burst");
    await page.waitForFunction(() => document.getElementById("burst-result").dataset.depthAfter !== undefined, null, { timeout: 20_000 });
    const depth = Number(await page.evaluate(() => document.getElementById("burst-result").dataset.depthAfter));
    assert.ok(depth > 0, `queue depth right after the burst: ${depth}`);
    const s = await checkScreen();
    assert.equal(s.writeBehind.depth, 0);
    assert.ok(s.writeBehind.written >= 500, `written ${s.writeBehind.written}`);
    const queue = await page.evaluate(() => Chart.getChart("plot-queue").data.datasets[0].data.map((p) => p.y));
    assert.ok(queue.includes(depth), "the queue plot shows the depth");
  });

  await t.test("invalidate a tag: a cached user's next request reloads", async () => {
    await page.evaluate(() => demo.recommend(1)); // this cache is new: from the store (or the database)
    assert.equal(await page.evaluate(() => demo.recommend(1)), "memory");
    await page.fill("#tag", "recs");
    await page.click("#invalidate");
    await page.waitForFunction(() => document.getElementById("tag-result").dataset.loadsAt !== undefined);
    assert.equal(await page.evaluate(() => demo.recommend(1)), "loader");
    const loadsAt = Number(await page.evaluate(() => document.getElementById("tag-result").dataset.loadsAt));
    const s = await checkScreen();
    assert.equal(s.loader.loads, loadsAt + 1);
  });

  await t.test("a warm cache, photographed", async () => {
    await sendUsers(50, 4000);
    await checkScreen();
    const dir = mkdtempSync(join(tmpdir(), "edgecache-demo-"));
    await page.screenshot({ path: join(dir, "demo.png"), fullPage: true });
    mkdirSync(join(REPO, ".tmp"), { recursive: true });
    await page.screenshot({ path: join(REPO, ".tmp", "demo.png"), fullPage: true });
    assert.deepEqual(errors, []);
  });
});
