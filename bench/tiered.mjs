// Tiered getOrSet over a slow store: edgecache beside bentocache and cache-manager, one
// process, the same workload for each. Every contender has a 100-entry memory tier in front
// of its OWN in-memory L2 store (a fresh stores.memory() behind 5 ms of injected latency per
// call, counting calls), and the same 20 ms loader. Zipf(1.0) over 2000 keys, 20 000
// requests, 64 in flight: a pool of 64 async workers pulling from one precomputed trace.
import { BentoCache, bentostore } from "bentocache";
import { BaseDriver } from "bentocache/drivers/base_driver";
import { memoryDriver } from "bentocache/drivers/memory";
import { createCache } from "cache-manager";
import { createKeyv } from "cacheable";
import { Keyv } from "keyv";
import { EdgeCache, stores } from "edgecache";
import { seeded } from "../tests/js/cases/check.mjs";
import { median, table } from "./harness.mjs";

const KEYS = 2000;
const REQUESTS = 20_000;
const CONCURRENCY = 64;
const ZIPF_S = 1.0;
const STORE_MS = 5;
const LOADER_MS = 20;
const MEMORY_ENTRIES = 100;
/** Long enough that nothing expires during the run. */
const TTL = 10 * 60_000;
/** Measured rounds (fresh instances each, contenders alternating); the median is reported. */
const ROUNDS = 3;
const SEED = 0x5eed;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` keys drawn from Zipf(s) over `n` keys (rank r has weight 1 / r^s). */
export function zipfTrace(n, count, s, seed) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1) ** s;
  const rng = seeded(seed);
  const trace = new Array(count);
  for (let j = 0; j < count; j++) {
    const u = rng.next() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid] > u) hi = mid;
      else lo = mid + 1;
    }
    trace[j] = `item:${lo}`;
  }
  return trace;
}

/**
 * The L2 every contender gets (each its own): a fresh `stores.memory()` whose every call
 * first waits STORE_MS (setTimeout) and is counted. Strings in, strings (or null) out.
 */
export function slowStore() {
  const inner = stores.memory();
  const calls = { get: 0, set: 0, delete: 0, getMany: 0 };
  const slow = async (op, fn) => {
    calls[op]++;
    await sleep(STORE_MS);
    return fn();
  };
  return {
    calls,
    limits: inner.limits,
    get: (key) => slow("get", () => inner.get(key)),
    set: (key, value, ttl) => slow("set", () => inner.set(key, value, ttl > 0 ? { ttl } : {})),
    delete: (key) => slow("delete", () => inner.delete(key)),
    getMany: (keys) => slow("getMany", () => inner.getMany(keys)),
    size: () => inner.keys().length,
  };
}

/** bentocache's L2 driver contract (L2CacheDriver) over a slowStore. */
class SlowL2Driver extends BaseDriver {
  type = "l2";
  #store;

  constructor(config, store) {
    super(config);
    this.#store = store;
  }

  namespace(namespace) {
    return new SlowL2Driver({ ...this.config, prefix: this.createNamespacePrefix(namespace) }, this.#store);
  }

  async get(key) {
    return (await this.#store.get(this.getItemKey(key))) ?? undefined;
  }

  async pull(key) {
    const value = await this.get(key);
    if (value !== undefined) await this.delete(key);
    return value;
  }

  async set(key, value, ttl) {
    await this.#store.set(this.getItemKey(key), value, ttl);
    return true;
  }

  async delete(key) {
    await this.#store.delete(this.getItemKey(key));
    return true;
  }

  async deleteMany(keys) {
    for (const key of keys) await this.delete(key);
    return true;
  }

  async clear() {}

  async disconnect() {}
}

/** edgecache over a fresh slow store, with the given memory-tier options. */
function edgecache(memory) {
  const store = slowStore();
  const cache = new EdgeCache({
    store: {
      name: "slow-memory",
      limits: store.limits,
      get: store.get,
      set: (key, value, opts) => store.set(key, value, opts?.ttl),
      delete: store.delete,
      getMany: store.getMany,
    },
    memory,
    ttl: TTL,
  });
  return {
    store,
    getOrSet: (key, loader) => cache.getOrSet(key, loader),
    drain: () => cache.flush(), // background store writes settle before calls are counted
  };
}

/** Each contender: a fresh cache over a fresh slow store, behind one getOrSet signature. */
export const CONTENDERS = {
  edgecache: () => edgecache({ maxEntries: MEMORY_ENTRIES }),

  bentocache() {
    const store = slowStore();
    // One store: L1 memory (100 items) + our L2 driver. No bus. Stampede protection (per-key
    // locks), timeouts and grace stay at their defaults.
    const bento = new BentoCache({
      default: "tiered",
      stores: {
        tiered: bentostore()
          .useL1Layer(memoryDriver({ maxItems: MEMORY_ENTRIES }))
          .useL2Layer({ options: {}, factory: (config) => new SlowL2Driver(config, store) }),
      },
    });
    return {
      store,
      getOrSet: (key, loader) => bento.getOrSet({ key, factory: loader, ttl: TTL }),
      drain: async () => {},
    };
  },

  "cache-manager"() {
    const store = slowStore();
    // L1: the Keyv over CacheableMemory that cache-manager's README recommends (createKeyv,
    // which also drops Keyv's JSON serialisation for the in-memory tier), LRU of 100.
    // L2: a Keyv over a Map-like adapter of our slow store (Keyv serialises to JSON strings).
    const l2 = new Keyv({
      store: {
        get: async (key) => (await store.get(key)) ?? undefined,
        set: (key, value, ttl) => store.set(key, value, ttl),
        delete: async (key) => {
          await store.delete(key);
          return true;
        },
        clear: async () => {},
      },
    });
    const cache = createCache({ stores: [createKeyv({ lruSize: MEMORY_ENTRIES }), l2] });
    return {
      store,
      getOrSet: (key, loader) => cache.wrap(key, loader, TTL),
      drain: async () => {},
    };
  },
};

/**
 * Not a contender: edgecache with the other memory policy it offers (same 100 entries;
 * its default is W-TinyLFU), printed below the comparison for information. The peers'
 * memory tiers are LRU only.
 */
export const VARIANTS = {
  "edgecache, L1 lru (info)": () => edgecache({ maxEntries: MEMORY_ENTRIES, policy: "lru" }),
};

/** Plays `trace` through a fresh instance of `make` with CONCURRENCY workers. */
export async function play(make, trace) {
  const contender = make();
  const latencies = new Float64Array(trace.length);
  const loadsPerKey = new Map();
  let loaderCalls = 0;
  let wrong = 0;
  let errors = 0;
  let next = 0;
  const loaderFor = (key) => async () => {
    loaderCalls++;
    loadsPerKey.set(key, (loadsPerKey.get(key) ?? 0) + 1);
    await sleep(LOADER_MS);
    return { key, name: `value of ${key}`, tags: ["a", "b"] };
  };
  const worker = async () => {
    while (next < trace.length) {
      const i = next++;
      const key = trace[i];
      const t0 = performance.now();
      try {
        const value = await contender.getOrSet(key, loaderFor(key));
        if (value?.key !== key) wrong++;
      } catch {
        errors++;
      }
      latencies[i] = performance.now() - t0;
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await contender.drain(); // background store writes settle before the calls are counted
  const drained = performance.now() - t0;
  latencies.sort();
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  const calls = contender.store.calls;
  const repeated = [...loadsPerKey.values()].filter((n) => n > 1);
  return {
    throughput: trace.length / (elapsed / 1000),
    p50: pct(0.5),
    p99: pct(0.99),
    loaderCalls,
    storeCalls: calls.get + calls.set + calls.delete + calls.getMany,
    calls: { ...calls },
    keysLoaded: loadsPerKey.size,
    keysLoadedTwice: repeated.length,
    extraLoads: repeated.reduce((a, n) => a + n - 1, 0),
    wrong,
    errors,
    drainMs: drained - elapsed,
    cpuUsPerRequest: (cpu.user + cpu.system) / trace.length,
  };
}

/** Runs the benchmark; prints the table and returns the rows. */
export async function tieredBench() {
  const trace = zipfTrace(KEYS, REQUESTS, ZIPF_S, SEED);
  const all = { ...CONTENDERS, ...VARIANTS };
  const names = Object.keys(all);
  // Warm-up (JIT, module-level state), discarded: a shorter trace on fresh instances.
  const warm = zipfTrace(KEYS, 4000, ZIPF_S, SEED + 1);
  for (const name of names) await play(all[name], warm);

  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order so that no contender always runs first or last.
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + r) % names.length];
      results[name].push(await play(all[name], trace));
    }
  }
  const med = (name, field) => median(results[name].map((x) => x[field]));
  const summary = Object.fromEntries(
    names.map((n) => [
      n,
      {
        throughput: med(n, "throughput"),
        p50: med(n, "p50"),
        p99: med(n, "p99"),
        loaderCalls: med(n, "loaderCalls"),
        storeCalls: med(n, "storeCalls"),
        cpu: med(n, "cpuUsPerRequest"),
        last: results[n][results[n].length - 1],
        wrong: results[n].reduce((a, x) => a + x.wrong, 0),
        errors: results[n].reduce((a, x) => a + x.errors, 0),
        keysLoadedTwice: Math.max(...results[n].map((x) => x.keysLoadedTwice)),
        extraLoads: Math.max(...results[n].map((x) => x.extraLoads)),
      },
    ]),
  );

  const row = (n) => {
    const s = summary[n];
    const c = s.last.calls;
    return [
      n,
      `${(s.throughput / 1000).toFixed(2)} k`,
      s.p50.toFixed(2),
      s.p99.toFixed(2),
      String(s.loaderCalls),
      String(s.storeCalls),
      `${c.get}/${c.set}/${c.delete}/${c.getMany}`,
      s.cpu.toFixed(1),
      `${s.keysLoadedTwice}/${s.extraLoads}`,
      `${s.wrong}/${s.errors}`,
    ];
  };
  const rows = Object.keys(CONTENDERS).map(row);
  const ours = summary.edgecache;
  for (const peer of Object.keys(CONTENDERS).filter((n) => n !== "edgecache")) {
    const p = summary[peer];
    const x = (a, b) => (b === 0 ? "-" : (a / b).toFixed(2));
    rows.push([
      `edgecache/${peer}`,
      x(ours.throughput, p.throughput),
      x(ours.p50, p.p50),
      x(ours.p99, p.p99),
      x(ours.loaderCalls, p.loaderCalls),
      x(ours.storeCalls, p.storeCalls),
      "",
      x(ours.cpu, p.cpu),
      "",
      "",
    ]);
  }
  rows.push(...Object.keys(VARIANTS).map(row));
  table(
    `Tiered getOrSet: Zipf(${ZIPF_S}) over ${KEYS} keys, ${REQUESTS} requests, ${CONCURRENCY} in flight, ` +
      `L1 ${MEMORY_ENTRIES} entries, L2 in memory + ${STORE_MS} ms/call, loader ${LOADER_MS} ms ` +
      `(median of ${ROUNDS} rounds; ratios edgecache/peer: higher req/s, lower others are better)`,
    ["contender", "req/s", "p50 ms", "p99 ms", "loader calls", "store calls", "get/set/del/getMany", "CPU us/req", "keys loaded >1x/extra", "wrong/errors"],
    rows,
  );
  return { rows, results };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await tieredBench();
}
