// Size of the .wasm and start-up cost: module import to first get, in a fresh Node process
// (the Node that runs this), beside lru-cache in the same run (fresh processes alternate,
// so both see the same machine).
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { median, table } from "./harness.mjs";

const WASM = new URL("../pkg/dist/edgecache_bg.wasm", import.meta.url);
const PROBES = {
  edgecache: `
const t0 = performance.now();
const { MemoryCache } = await import("edgecache");
const c = new MemoryCache({ maxEntries: 10 });
c.get("k");
console.log(performance.now() - t0);`,
  "lru-cache": `
const t0 = performance.now();
const { LRUCache } = await import("lru-cache");
const c = new LRUCache({ max: 10 });
c.get("k");
console.log(performance.now() - t0);`,
};

/** Milliseconds from import to first get in a fresh process running `probe`. */
function firstGet(probe) {
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", probe], { cwd: new URL("..", import.meta.url) });
  return Number(String(out).trim());
}

/**
 * Prints the size table and the median import-to-first-get times over fresh processes
 * (edgecache, then lru-cache for scale); returns the rows.
 */
export function startup(runs = 7) {
  const bytes = readFileSync(WASM);
  const times = { edgecache: [], "lru-cache": [] };
  for (let i = 0; i < runs; i++) {
    for (const [name, probe] of Object.entries(PROBES)) times[name].push(firstGet(probe));
  }
  const node = `Node ${process.versions.node}`;
  const rows = [
    [".wasm raw", `${(bytes.length / 1024).toFixed(1)} KiB`],
    [".wasm gzip -9", `${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)} KiB`],
    [`${node}: import to first get (median of ${runs} fresh processes)`, `${median(times.edgecache).toFixed(2)} ms`],
    [`${node}: the same for lru-cache, in the same run`, `${median(times["lru-cache"]).toFixed(2)} ms`],
  ];
  table("Size and start-up", ["what", "value"], rows);
  return rows;
}
