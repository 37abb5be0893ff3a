// A full stats() snapshot with known numbers, in the shape of the monitoring plan (latency
// sums and buckets, hitRate, errorRate, window, alerts, memory.usage), for the exporters'
// tests. Runtime-neutral.

/** The engine's latency bucket bounds (ms): quarter-octaves from 10 µs, 120 of them. */
export const LATENCY_BOUNDS = Array.from({ length: 120 }, (_, i) => 0.01 * 2 ** (i / 4));

/** Bucket counts from `{ bucketIndex: samples }`, trailing empty buckets trimmed as the engine does. */
function buckets(counts) {
  const out = Array(Math.max(...Object.keys(counts).map(Number)) + 1).fill(0);
  for (const [i, n] of Object.entries(counts)) out[i] = n;
  return out;
}

function latency(counts, sum, p50, p95, p99, max) {
  const b = buckets(counts);
  return { count: b.reduce((a, n) => a + n, 0), sum, p50, p95, p99, max, buckets: b };
}

/** The snapshot; `parts` replaces top-level parts (e.g. `{ shards: undefined }`). */
export function specSnapshot(parts = {}) {
  const memory = {
    hits: 40, misses: 12, staleServed: 3, hitRate: 43 / 55, backfills: 4,
    latency: latency({ 0: 50, 1: 5 }, 0.6, 0.01, 0.0119, 0.0119, 0.0119),
    tier: {
      hits: 43, misses: 12, hitRate: 43 / 55, sets: 20, deletes: 2, evictions: 5, expirations: 1, rejected: 2,
      evictionsByReason: { capacity: 5, expired: 1, explicit: 2, replaced: 3 }, size: 9, bytes: 1234,
    },
    usage: 0.9,
  };
  const store = {
    hits: 4, misses: 6, staleServed: 1, hitRate: 5 / 11, errors: 2, timeouts: 1, corrupt: 1, writes: 15, writeErrors: 3,
    // 2 at ≤ 0.01 ms, 3 in (0.0119, 0.0141] ms (index 9), 1 near 1.8 ms (index 30), 1 in the last bucket (index 119)
    latency: latency({ 0: 2, 9: 3, 30: 1, 119: 1 }, 9_000_012.5, 0.0141, 9e6, 9e6, 9e6),
  };
  const loader = {
    loads: 8, errors: 1, inFlight: 2, refreshes: 3, staleIfError: 1,
    latency: latency({ 60: 4, 64: 3 }, 770.25, 105, 160, 160, 158.3),
  };
  return {
    memory,
    store,
    loader,
    hitRate: 47 / 55,
    errorRate: 3 / 19,
    window: { length: 60_000, memory, store, loader, hitRate: 47 / 55, errorRate: 3 / 19 },
    alerts: [
      { rule: "maxLatency", tier: "store", value: 9e6, threshold: 100, since: 1000 },
      { rule: "maxMemoryUsage", value: 0.9, threshold: 0.8, since: 2000 },
    ],
    shards: {
      primary: { reads: 7, hits: 3, errors: 2, timeouts: 1, repairs: 1, skippedWhileOpen: 4, open: true },
      'we"ird\\id': { reads: 5, hits: 1, errors: 0, timeouts: 0, repairs: 0, skippedWhileOpen: 0, open: false },
    },
    writeBehind: { depth: 3, oldestAgeMs: 1500, batches: 6, retries: 2, deadLetters: 1, written: 14 },
    ...parts,
  };
}
