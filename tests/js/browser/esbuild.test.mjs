// Plain esbuild for browsers: an app bundled with nothing but the flags the README gives
// (`--format=esm`, the .wasm as a second entry point copied by `--loader:.wasm=copy`,
// `--entry-names=[name]`) runs in headless Chromium and answers from each tier. esbuild
// does not follow `new URL(..., import.meta.url)`, so without the copy the page fails.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const APP = fileURLToPath(new URL("./esbuild_app/app.js", import.meta.url));
const WASM = fileURLToPath(new URL("../../../pkg/dist/edgecache_bg.wasm", import.meta.url));
// localhost is a secure context, so the page has the Cache API; nothing listens on port 9:
// every request is answered from the build folder by the route below.
const ORIGIN = "http://localhost:9";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };

/** Bundles the app the README's way (with or without the .wasm entry) into a new folder. */
async function bundle({ copyWasm }) {
  const outdir = mkdtempSync(join(tmpdir(), "edgecache-esbuild-"));
  await build({
    entryPoints: copyWasm ? [APP, WASM] : [APP],
    bundle: true,
    format: "esm",
    outdir,
    entryNames: "[name]",
    loader: { ".wasm": "copy" },
    logLevel: "error",
  });
  return outdir;
}

/** Opens index.html of `outdir` in Chromium until the app is done or fails; its result and the page's errors. */
async function run(outdir) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage();
    const errors = [];
    const failed = new Promise((resolve) => page.on("pageerror", (e) => resolve(errors.push(String(e)))));
    const files = new Map(readdirSync(outdir).map((name) => [name, readFileSync(join(outdir, name))]));
    files.set("index.html", Buffer.from('<!doctype html><script type="module" src="./app.js"></script>'));
    await page.route(`${ORIGIN}/**`, (route) => {
      const name = new URL(route.request().url()).pathname.slice(1);
      const body = files.get(name);
      if (body === undefined) return route.fulfill({ status: 404, body: "not found" });
      return route.fulfill({ status: 200, contentType: TYPES[extname(name)], body });
    });
    await page.goto(`${ORIGIN}/index.html`);
    await Promise.race([page.waitForFunction(() => window.appResult !== undefined, null, { timeout: 20_000 }), failed]);
    return { result: await page.evaluate(() => window.appResult), errors, files: [...files.keys()].sort() };
  } finally {
    await browser.close();
  }
}

test("an app bundled by plain esbuild with the README's flags runs in Chromium, from each tier", async () => {
  const outdir = await bundle({ copyWasm: true });
  try {
    const { result, errors, files } = await run(outdir);
    assert.deepEqual(files, ["app.js", "edgecache_bg.wasm", "index.html"]);
    assert.deepEqual(errors, []);
    const recs = { items: [1, 2, 3], load: 1 };
    assert.deepEqual(result, { user: { name: "Ada" }, first: recs, second: recs, fromStore: recs, loads: 1, tiers: ["memory", "store"] });
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});

test("without the .wasm beside the bundle the page fails to start (so the flag is needed)", async () => {
  const outdir = await bundle({ copyWasm: false });
  try {
    const { result, errors } = await run(outdir);
    assert.equal(result, undefined);
    assert.equal(errors.length, 1, errors.join("\n"));
    assert.match(errors[0], /404 Not Found fetching .*\/edgecache_bg\.wasm/);
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
});
