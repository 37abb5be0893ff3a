// Hit ratios on the shared traces, through the public MemoryCache, next to the traces
// README's reference figures: edgecache's policies beside lru-cache.
import { LRUCache } from "lru-cache";
import { MemoryCache } from "edgecache";
import { arcTrace, cloudPhysics, gli } from "../tests/js/traces.mjs";
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

/** Misses of `cache` on a sized trace (get; on a miss, set with the object's size). */
function sizedMisses(cache, trace) {
  let misses = 0;
  for (const { id, size } of trace) {
    if (cache.get(id) === undefined) {
      misses++;
      cache.set(id, 1, { size });
    }
  }
  return misses;
}

/** Per trace: loader, and per capacity [reference LRU, other reference figures]. */
const TRACES = [
  ["OLTP", () => arcTrace("OLTP.lis.zst"), {
    250: [16.47, "ARC 21.23, W-TinyLFU 24.88"],
    500: [23.45, "ARC 30.46, W-TinyLFU 33.73, OPT 46.42"],
    1000: [32.83, "ARC 38.95, W-TinyLFU 40.01, OPT 53.61"],
    2000: [42.47, "ARC 46.08, W-TinyLFU 46.09, OPT 60.40"],
  }],
  ["gli", gli, {
    250: [0.91, "OPT 17.64"],
    500: [0.95, "OPT 34.26"],
    1000: [11.21, "OPT 53.13"],
    1500: [36.56, "OPT 57.96"],
    2000: [57.41, "OPT 57.96"],
  }],
  ["P3", () => arcTrace("P3.lis.zst"), { 32768: [3.57, "ARC 17.11"] }],
];

/** libCacheSim's cloudPhysicsIO miss counts at 128..1024 MiB (traces README). */
const CLOUD = { LRU: [93374, 89783, 83572, 81722, 72494, 72104, 71972, 71704], ARC: [90252, 85861, 78168, 74297, 67381, 65685, 64439, 64772] };
const MIB = 1 << 20;

/** Replays each trace at each capacity; prints the tables and returns the entry-trace rows. */
export function hitRatios(policies = ["lru"]) {
  const rows = [];
  for (const [name, load, reference] of TRACES) {
    const trace = load();
    for (const [capacity, [lruRef, others]] of Object.entries(reference)) {
      const max = Number(capacity);
      const ours = policies.map((policy) => pct(replay(new MemoryCache({ maxEntries: max, policy, seed: 1 }), trace)));
      const peer = pct(replay(new LRUCache({ max }), trace));
      rows.push([name, max, ...ours, peer, lruRef.toFixed(2), others]);
    }
  }
  table(
    "Hit ratio % on the shared traces (entry capacity)",
    ["trace", "capacity", ...policies.map((p) => `edgecache ${p}`), "lru-cache", "reference LRU", "reference others"],
    rows,
  );
  const trace = cloudPhysics();
  const cloudRows = policies.map((policy) => [
    `edgecache ${policy}`,
    ...CLOUD.LRU.map((_, i) => sizedMisses(new MemoryCache({ maxBytes: (i + 1) * 128 * MIB, policy, seed: 1 }), trace)),
  ]);
  cloudRows.push(["libCacheSim LRU", ...CLOUD.LRU], ["libCacheSim ARC", ...CLOUD.ARC]);
  table(
    "cloudPhysicsIO, byte-bounded: MISSES (fewer is better)",
    ["policy", ...CLOUD.LRU.map((_, i) => `${(i + 1) * 128} MiB`)],
    cloudRows,
  );
  return rows;
}
