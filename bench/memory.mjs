// Memory tier speed from JavaScript: edgecache's MemoryCache beside lru-cache, same
// capacity, same keys, TTL on in both, one process.
import { LRUCache } from "lru-cache";
import { MemoryCache } from "edgecache";
import { mops, opsPerSecond, ratio, table } from "./harness.mjs";

const CAPACITY = 10_000;
const TTL = 60_000;
const keys = Array.from({ length: CAPACITY }, (_, i) => `user:${i}:profile`);
const missKeys = keys.map((k) => `${k}:absent`);
const fresh = Array.from({ length: CAPACITY * 4 }, (_, i) => `new:${i}`);

/** Makes each contender, filled with `keys`. */
const contenders = {
  edgecache: (policy = "lru") => {
    const c = new MemoryCache({ maxEntries: CAPACITY, ttl: TTL, policy });
    for (const k of keys) c.set(k, k);
    return c;
  },
  "lru-cache": () => {
    const c = new LRUCache({ max: CAPACITY, ttl: TTL });
    for (const k of keys) c.set(k, k);
    return c;
  },
};

/** Workloads: each returns a loop of `n` operations over a filled cache. */
const workloads = {
  "get (hit)": (c) => (n) => {
    for (let i = 0; i < n; i++) c.get(keys[i % CAPACITY]);
  },
  "get (miss)": (c) => (n) => {
    for (let i = 0; i < n; i++) c.get(missKeys[i % CAPACITY]);
  },
  "set (update)": (c) => (n) => {
    for (let i = 0; i < n; i++) c.set(keys[i % CAPACITY], i);
  },
  "set (new, evicting)": (c) => {
    let j = 0;
    return (n) => {
      for (let i = 0; i < n; i++) c.set(fresh[j++ % fresh.length], i);
    };
  },
  "has (hit)": (c) => (n) => {
    for (let i = 0; i < n; i++) c.has(keys[i % CAPACITY]);
  },
  "mixed 90% get / 10% set": (c) => {
    let j = 0;
    return (n) => {
      for (let i = 0; i < n; i++) {
        if (i % 10 === 0) c.set(fresh[j++ % fresh.length], i);
        else c.get(keys[(i * 7919) % CAPACITY]);
      }
    };
  },
};

/** Measures every workload for both contenders; returns rows for the table. */
export function memorySpeed() {
  const rows = [];
  for (const [name, workload] of Object.entries(workloads)) {
    const ops = 1_000_000;
    const [ours, peer] = opsPerSecond([workload(contenders.edgecache()), workload(contenders["lru-cache"]())], ops);
    rows.push([name, mops(ours), mops(peer), ratio(ours, peer)]);
  }
  table(
    `Memory tier from JavaScript (${CAPACITY} entries, ttl on, alternating, median of 9 x 1M ops)`,
    ["operation", "edgecache", "lru-cache", "ratio"],
    rows,
  );
  return rows;
}
