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
  const { outdir, modules } = await bundle(workerFile);
  return started(new Miniflare({ modules, modulesRoot: outdir, compatibilityDate: COMPATIBILITY_DATE, kvNamespaces, analyticsEngineDatasets, durableObjects }), [outdir]);
}

/**
 * Starts several workers in one Miniflare (each worker is an isolate of its own in
 * workerd): `workers` are Miniflare's worker options with `file` (the module to bundle)
 * in place of `modules`. Reach one with `mf.getWorker(name)`.
 * @returns {Promise<{ mf: Miniflare, dispose: () => Promise<void> }>}
 */
export async function startWorkers(workers) {
  const bundles = new Map();
  const outdirs = [];
  try {
    for (const { file } of workers) {
      if (bundles.has(String(file))) continue;
      const made = await bundle(file);
      bundles.set(String(file), made);
      outdirs.push(made.outdir);
    }
    const options = workers.map(({ file, ...rest }) => {
      const { outdir, modules } = bundles.get(String(file));
      return { ...rest, modules, modulesRoot: outdir, compatibilityDate: COMPATIBILITY_DATE };
    });
    return await started(new Miniflare({ workers: options }), outdirs);
  } catch (error) {
    removeAll(outdirs);
    throw error;
  }
}

/** `mf` once ready, with a dispose that also removes the bundles' folders (also when it fails to start). */
async function started(mf, outdirs) {
  const dispose = async () => {
    try {
      await mf.dispose();
    } finally {
      removeAll(outdirs);
    }
  };
  try {
    await mf.ready;
  } catch (error) {
    await dispose().catch(() => {});
    throw error;
  }
  return { mf, dispose };
}

function removeAll(outdirs) {
  for (const outdir of outdirs) rmSync(outdir, { recursive: true, force: true });
}

/** Bundles `workerFile` into a temporary folder: the folder and Miniflare's module list (ES modules first). */
async function bundle(workerFile) {
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
  return { outdir, modules };
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
