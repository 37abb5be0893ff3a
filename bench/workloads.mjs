// The memory-tier workloads, shared by the Node/Deno bench and the workerd bench worker:
// edgecache's MemoryCache and lru-cache, same capacity, same keys, TTL on in both.
import { LRUCache } from "lru-cache";
import { MemoryCache } from "edgecache";

/** Entries in each cache. */
export const CAPACITY = 10_000;
const TTL = 60_000;

/** Builds the contenders (factories of filled caches) and the workloads over them. */
export function workloadsFor() {
  const keys = Array.from({ length: CAPACITY }, (_, i) => `user:${i}:profile`);
  const missKeys = keys.map((k) => `${k}:absent`);
  const fresh = Array.from({ length: CAPACITY * 4 }, (_, i) => `new:${i}`);
  const filled = (cache) => {
    for (const k of keys) cache.set(k, k);
    return cache;
  };
  const contenders = {
    edgecache: () => filled(new MemoryCache({ maxEntries: CAPACITY, ttl: TTL })),
    "lru-cache": () => filled(new LRUCache({ max: CAPACITY, ttl: TTL })),
  };
  /** Each workload takes a filled cache and returns a loop of `n` operations. */
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
  return { contenders, workloads };
}
