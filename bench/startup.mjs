// Size of the .wasm and start-up cost: module import to first get, in a fresh Node process.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { median, table } from "./harness.mjs";

const WASM = new URL("../pkg/dist/edgecache_bg.wasm", import.meta.url);
const PROBE = `
const t0 = performance.now();
const { MemoryCache } = await import("edgecache");
const c = new MemoryCache({ maxEntries: 10 });
c.get("k");
console.log(performance.now() - t0);`;

/**
 * Prints the size table and the median import-to-first-get time over fresh processes;
 * returns the rows.
 */
export function startup(runs = 7) {
  const bytes = readFileSync(WASM);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", PROBE], {
      cwd: new URL("..", import.meta.url),
    });
    times.push(Number(String(out).trim()));
  }
  const rows = [
    [".wasm raw", `${(bytes.length / 1024).toFixed(1)} KiB`],
    [".wasm gzip -9", `${(gzipSync(bytes, { level: 9 }).length / 1024).toFixed(1)} KiB`],
    [`Node: import to first get (median of ${runs} fresh processes)`, `${median(times).toFixed(2)} ms`],
  ];
  table("Size and start-up", ["what", "value"], rows);
  return rows;
}
