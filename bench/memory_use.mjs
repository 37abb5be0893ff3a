// Memory per entry: wasm memory the engine uses for its bookkeeping (policy metadata,
// excluding keys and values), and the JavaScript heap of the key/value side, next to
// lru-cache's heap per entry. Needs `node --expose-gc`.
import { LRUCache } from "lru-cache";
import { MemoryCache } from "edgecache";
import { wasmBuffer } from "../pkg/dist/testing.js";
import { table } from "./harness.mjs";

const N = 200_000;
const keys = Array.from({ length: N }, (_, i) => `user:${i}:profile`);

function heap() {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().heapUsed;
}

/** Heap (and wasm) bytes per entry of a cache of N entries made by `make`. */
function perEntry(make) {
  const h0 = heap();
  const w0 = wasmBuffer().byteLength;
  const cache = make();
  for (let i = 0; i < N; i++) cache.set(keys[i], i);
  const h1 = heap();
  const w1 = wasmBuffer().byteLength;
  const result = { heap: (h1 - h0) / N, wasm: (w1 - w0) / N, cache };
  return result;
}

/** Prints and returns the rows; skipped (with a note, no rows) when gc is not exposed. */
export function memoryUse() {
  if (typeof globalThis.gc !== "function") {
    console.log("\n(memory per entry skipped: run with node --expose-gc)");
    return [];
  }
  const rows = [];
  for (const policy of ["lru", "tinylfu"]) {
    const r = perEntry(() => new MemoryCache({ maxEntries: N, ttl: 60_000, policy }));
    rows.push([`edgecache ${policy}`, r.wasm.toFixed(1), r.heap.toFixed(1), (r.wasm + r.heap).toFixed(1)]);
  }
  const l = perEntry(() => new LRUCache({ max: N, ttl: 60_000 }));
  rows.push(["lru-cache", "-", l.heap.toFixed(1), l.heap.toFixed(1)]);
  table(
    `Bytes per entry (${N} entries, ttl on; keys and values are shared, not counted)`,
    ["cache", "wasm (policy metadata)", "JS heap", "total"],
    rows,
  );
  return rows;
}
