// Runs a test worker in workerd through Miniflare. The worker is bundled the way wrangler
// does it (esbuild, "workerd" export condition, .wasm imports kept as CompiledWasm
// modules), so the package is loaded exactly as a deployed Worker loads it.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

// The Miniflare package to run: "miniflare" (the pin that runs on Node 20) unless
// EDGECACHE_MINIFLARE names another, e.g. "miniflare-current" (needs Node 22+).
const PACKAGE = process.env.EDGECACHE_MINIFLARE ?? "miniflare";
/** The Miniflare class of that package. */
export const { Miniflare } = await import(PACKAGE);
/** Which Miniflare runs the workers, e.g. "miniflare-current 4.20260730.0" (for test names). */
export const MINIFLARE = `${PACKAGE} ${createRequire(import.meta.url)(`${PACKAGE}/package.json`).version}`;
/** The compatibility date the workers run with (the oldest the package is tested at). */
export const COMPATIBILITY_DATE = "2026-04-01";

/**
 * Bundles `workerFile` and starts it with the given KV namespaces, Analytics Engine
 * datasets (binding name → `{ dataset }`) and Durable Object namespaces (binding name →
 * the name of a class the worker exports).
 * @returns {Promise<{ mf: Miniflare, dispose: () => Promise<void> }>}
 */
export async function startWorker(workerFile, { kvNamespaces = [], analyticsEngineDatasets = {}, durableObjects = {} } = {}) {
  const outdir = mkdtempSync(join(tmpdir(), "edgecache-worker-"));
  await build({
    entryPoints: [fileURLToPath(workerFile)],
    bundle: true,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    external: ["*.wasm"],
    outdir,
    logLevel: "error",
    plugins: [wasmBesideBundle(outdir)],
  });
  const modules = readdirSync(outdir).map((name) => ({
    type: name.endsWith(".wasm") ? "CompiledWasm" : "ESModule",
    path: join(outdir, name),
  }));
  modules.sort((a, b) => (a.type === "ESModule" ? -1 : 1) - (b.type === "ESModule" ? -1 : 1));
  const mf = new Miniflare({
    modules,
    modulesRoot: outdir,
    compatibilityDate: COMPATIBILITY_DATE,
    kvNamespaces,
    analyticsEngineDatasets,
    durableObjects,
  });
  await mf.ready;
  return {
    mf,
    async dispose() {
      await mf.dispose();
      rmSync(outdir, { recursive: true, force: true });
    },
  };
}

/** Copies each imported .wasm next to the bundle and rewrites the import to it. */
function wasmBesideBundle(outdir) {
  return {
    name: "wasm-beside-bundle",
    setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, async (args) => {
        const { copyFileSync } = await import("node:fs");
        const { basename, resolve } = await import("node:path");
        const source = resolve(args.resolveDir, args.path);
        copyFileSync(source, join(outdir, basename(source)));
        return { path: `./${basename(source)}`, external: true };
      });
    },
  };
}
