// Hit ratios on the shared traces, at the traces README's capacities, next to its
// reference figures: edgecache's policies beside lru-cache.
import { LRUCache } from "lru-cache";
import { MemoryCache } from "edgecache";
import { arcTrace, gli } from "../tests/js/traces.mjs";
import { pct, table } from "./harness.mjs";

/** Hit ratio of `cache` on `trace` (get; on a miss, set). */
function replay(cache, trace) {
  let hits = 0;
  for (const key of trace) {
    if (cache.get(key) !== undefined) hits++;
    else cache.set(key, 1);
  }
  return hits / trace.length;
}

const TRACES = [
  ["OLTP", () => arcTrace("OLTP.lis.zst"), { 250: 16.47, 500: 23.45, 1000: 32.83, 2000: 42.47 }],
  ["gli", gli, { 250: 0.91, 500: 0.95, 1000: 11.21, 1500: 36.56, 2000: 57.41 }],
];

/** Replays each trace at each capacity; prints and returns the rows. */
export function hitRatios(policies = ["lru"]) {
  const rows = [];
  for (const [name, load, reference] of TRACES) {
    const trace = load();
    for (const [capacity, lruRef] of Object.entries(reference)) {
      const max = Number(capacity);
      const ours = policies.map((policy) => pct(replay(new MemoryCache({ maxEntries: max, policy }), trace)));
      const peer = pct(replay(new LRUCache({ max }), trace));
      rows.push([name, max, ...ours, peer, lruRef.toFixed(2)]);
    }
  }
  table(
    "Hit ratio % on the shared traces (entry capacity)",
    ["trace", "capacity", ...policies.map((p) => `edgecache ${p}`), "lru-cache", "reference LRU"],
    rows,
  );
  return rows;
}
