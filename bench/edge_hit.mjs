// A memory hit through the tiered caches' async API: `getOrSet` of keys memory holds,
// edgecache beside bentocache and cache-manager (each with its in-memory L1 only, a
// 1000-entry LRU), awaited one after another; edgecache's with monitoring off (no sliding
// window) and on with every alert rule; then the same with edgecache's `get`, of
// untagged entries and of entries with two tags (checked against the tag table on each hit).
import { BentoCache, bentostore } from "bentocache";
import { memoryDriver } from "bentocache/drivers/memory";
import { createCache } from "cache-manager";
import { createKeyv } from "cacheable";
import { EdgeCache, stores } from "edgecache";
import { median, ratio, table } from "./harness.mjs";

const KEYS = 100;
const OPS = 200_000;
const ROUNDS = 7;
const TTL = 10 * 60_000;
const keys = Array.from({ length: KEYS }, (_, i) => `item:${i}`);
const value = (key) => ({ key, name: `value of ${key}`, tags: ["a", "b"] });

/** Each contender: a fresh cache holding every key, behind one async read. */
const CONTENDERS = {
  "edgecache getOrSet": async () => {
    const cache = new EdgeCache({ store: stores.memory(), memory: { maxEntries: 1000 }, ttl: TTL });
    for (const key of keys) await cache.set(key, value(key));
    return (key) => cache.getOrSet(key, () => value(key));
  },
  // Monitoring off (no sliding window) and on with every alert rule (the default keeps the window).
  "edgecache getOrSet, no window": async () => {
    const cache = new EdgeCache({ store: stores.memory(), memory: { maxEntries: 1000 }, ttl: TTL, stats: { window: 0 } });
    for (const key of keys) await cache.set(key, value(key));
    return (key) => cache.getOrSet(key, () => value(key));
  },
  "edgecache getOrSet, alerts": async () => {
    const alerts = { minHitRate: 0.5, maxLatency: { memory: 50, store: 500, loader: 5000 }, maxMemoryUsage: 0.95, maxErrorRate: 0.5 };
    // No onEvent: a listener costs on its own (a hit event per hit); stats().alerts lists what fires.
    const cache = new EdgeCache({ store: stores.memory(), memory: { maxEntries: 1000 }, ttl: TTL, alerts });
    for (const key of keys) await cache.set(key, value(key));
    return (key) => cache.getOrSet(key, () => value(key));
  },
  "edgecache get": async () => {
    const cache = new EdgeCache({ store: stores.memory(), memory: { maxEntries: 1000 }, ttl: TTL });
    for (const key of keys) await cache.set(key, value(key));
    return (key) => cache.get(key);
  },
  "edgecache get, 2 tags": async () => {
    const cache = new EdgeCache({ store: stores.memory(), memory: { maxEntries: 1000 }, ttl: TTL });
    for (const key of keys) await cache.set(key, value(key), { tags: [`user:${key}`, "all"] });
    return (key) => cache.get(key);
  },
  "bentocache getOrSet": async () => {
    const bento = new BentoCache({ default: "memory", stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: 1000 })) } });
    for (const key of keys) await bento.set({ key, value: value(key), ttl: TTL });
    return (key) => bento.getOrSet({ key, factory: () => value(key), ttl: TTL });
  },
  "cache-manager wrap": async () => {
    const cache = createCache({ stores: [createKeyv({ lruSize: 1000 })] });
    for (const key of keys) await cache.set(key, value(key), TTL);
    return (key) => cache.wrap(key, () => value(key), TTL);
  },
};

/** Reads per second of `read` over the keys, `OPS` awaited reads. */
async function rate(read) {
  const t0 = performance.now();
  for (let i = 0; i < OPS; i++) {
    const v = await read(keys[i % KEYS]);
    if (v === undefined) throw new Error("a miss in a hit benchmark");
  }
  return OPS / ((performance.now() - t0) / 1000);
}

/** Runs the benchmark; prints the table and returns each contender's median reads per second. */
export async function edgeHitBench() {
  const names = Object.keys(CONTENDERS);
  const reads = {};
  for (const name of names) reads[name] = await CONTENDERS[name]();
  for (const name of names) await rate(reads[name]); // warm-up
  const rates = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) for (const name of names) rates[name].push(await rate(reads[name]));
  const med = Object.fromEntries(names.map((n) => [n, median(rates[n])]));
  const k = (x) => `${(x / 1000).toFixed(0)} k/s`;
  table(
    `Memory hit through the async API (${KEYS} keys held, ${OPS} awaited reads, median of ${ROUNDS})`,
    ["", "reads/s", "edgecache getOrSet / it"],
    names.map((n) => [n, k(med[n]), ratio(med["edgecache getOrSet"], med[n])]),
  );
  return med;
}

if (import.meta.url === `file://${process.argv[1]}`) await edgeHitBench();
