// Plain esbuild for Workers: a Worker bundled with the README's flags (`--conditions=workerd`
// picks the Workers entry, `--loader:.wasm=copy` copies the .wasm and keeps its import)
// runs in Miniflare as `wrangler deploy --no-bundle` would upload it (.wasm files as
// CompiledWasm modules), and answers from the loader, memory and Workers KV.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { COMPATIBILITY_DATE, Miniflare } from "./harness.mjs";

const WORKER = fileURLToPath(new URL("./esbuild_app.worker.mjs", import.meta.url));

test("a Worker bundled by plain esbuild with the README's flags runs in workerd, from each tier", async () => {
  const outdir = mkdtempSync(join(tmpdir(), "edgecache-esbuild-worker-"));
  let mf;
  try {
    await build({
      entryPoints: { worker: WORKER },
      bundle: true,
      format: "esm",
      conditions: ["workerd"],
      loader: { ".wasm": "copy" },
      outdir,
      logLevel: "error",
    });
    assert.deepEqual(readdirSync(outdir).map((f) => f.replace(/-[A-Z0-9]+\.wasm$/, ".wasm")).sort(), ["edgecache_bg.wasm", "worker.js"]);
    mf = new Miniflare({
      scriptPath: join(outdir, "worker.js"),
      modulesRoot: outdir,
      modules: true,
      modulesRules: [{ type: "CompiledWasm", include: ["**/*.wasm"] }],
      compatibilityDate: COMPATIBILITY_DATE,
      kvNamespaces: ["KV"],
    });
    const get = async (query = "") => (await mf.dispatchFetch(`http://worker.test/${query}`)).json();
    const recs = { items: [1, 2, 3], load: 1 };
    assert.deepEqual(await get(), { value: recs, tiers: [] });
    assert.deepEqual(await get(), { value: recs, tiers: ["memory"] });
    assert.deepEqual(await get("?fresh"), { value: recs, tiers: ["store"] });
  } finally {
    await mf?.dispose();
    rmSync(outdir, { recursive: true, force: true });
  }
});
