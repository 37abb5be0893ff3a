// Plain esbuild for a Node service (a serverless function shipped as one file): bundled with
// the README's flags (`--platform=node --format=esm --out-extension:.js=.mjs`, the .wasm as a second entry point
// copied by `--loader:.wasm=copy`, `--entry-names=[name]`), the bundle runs in a fresh Node
// from a folder that holds nothing else.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const WASM = fileURLToPath(new URL("../../../pkg/dist/edgecache_bg.wasm", import.meta.url));

test("a Node app bundled by plain esbuild with the README's flags runs from its own folder", async () => {
  const dir = mkdtempSync(join(tmpdir(), "edgecache-esbuild-node-"));
  try {
    const app = join(dir, "app.mjs");
    writeFileSync(app, [
      'import { EdgeCache, stores } from "edgecache";',
      "const cache = new EdgeCache({ store: stores.memory() });",
      "let loads = 0;",
      'const a = await cache.getOrSet("k", () => ({ load: ++loads }));',
      'const b = await cache.getOrSet("k", () => ({ load: ++loads }));',
      "console.log(JSON.stringify([a, b, loads]));",
    ].join("\n"));
    const out = join(dir, "out");
    await build({
      entryPoints: [app, WASM],
      bundle: true,
      platform: "node",
      format: "esm",
      outdir: out,
      entryNames: "[name]",
      outExtension: { ".js": ".mjs" }, // an ES module wherever it lands
      loader: { ".wasm": "copy" },
      // esbuild resolves "edgecache" from the app's folder: point it at this workspace's.
      nodePaths: [fileURLToPath(new URL("../../../node_modules/", import.meta.url))],
      logLevel: "error",
    });
    assert.deepEqual(readdirSync(out).sort(), ["app.mjs", "edgecache_bg.wasm"]);
    const printed = execFileSync(process.execPath, [join(out, "app.mjs")], { cwd: out, encoding: "utf8" });
    assert.deepEqual(JSON.parse(printed), [{ load: 1 }, { load: 1 }, 1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
