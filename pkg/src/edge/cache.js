// EdgeCache: memory (L1) → store (L2) → the caller's loader. Its public methods and
// their wiring: the Rust engine plans every read and write (engine.rs), the handlers in
// this folder carry the plans out over one shared state (configure.js), and the
// coordinator holds every per-key state (coordinator.js).
import { failDisposed, fail, typeName } from "../errors.js";
import { toStoredKey } from "../keys.js";
import { prometheusText } from "../monitoring/prometheus.js";
import { configure, readingCallerObjects } from "./configure.js";
import { getFromStore, loadThrough } from "./loads.js";
import { NO_OPTIONS, callOptions, checkTags } from "./options.js";
import { fromMemory } from "./read_path.js";
import { monitor } from "./monitor.js";
import { stats } from "./reporting.js";
import { checkKeys, has, setMany } from "./many.js";
import { latencyBounds, snapshot } from "./snapshots.js";
import { report } from "./summary.js";
import { ShardedStore } from "./shards.js";
import { elapsedClock } from "./timeout.js";
import { warm } from "./warming.js";
import { deleteValue, setValue, SET } from "./write_path.js";

const GET_OR_SET = [...SET, "forceRefresh", "loaderTimeout"];
const WRAP = ["key", ...GET_OR_SET];

/**
 * The namespace `cache` was given ("" without one), for the exporters' labels; throws
 * E_ARGUMENT naming `what` when `cache` is not an EdgeCache. Set by EdgeCache's static
 * block, which can read its private state.
 * @type {(cache: unknown, what: string) => string}
 */
export let namespaceOf;

/**
 * A tiered cache-aside engine over the platform's KV store. See README "EdgeCache".
 */
export class EdgeCache {
  static {
    namespaceOf = (cache, what) => {
      if (typeof cache !== "object" || cache === null || !(#c in cache)) fail("E_ARGUMENT", `${what}: cache must be an EdgeCache, got ${typeName(cache)}`);
      return cache.#c.namespace;
    };
  }

  /** The state every handler shares (see configure.js) */
  #c;
  /** The promise of `dispose()`, once called */
  #disposal = null;

  /** @param {object} [options] see README: store, namespace, memory, ttl, ... */
  constructor(given = {}) {
    this.#c = configure(given);
  }

  /**
   * Adds a store to the ring at runtime (the cache must have been given an array or a
   * record of stores). Keys that now belong to it are found again through misses.
   */
  addStore(id, store) {
    this.#c.lifetime.check("addStore");
    const sharded = this.#sharded("addStore");
    readingCallerObjects(() => sharded.addShard(id, store), "E_CONFIG", `addStore(${typeof id === "string" ? JSON.stringify(id) : typeName(id)})`);
  }

  /** Removes a store from the ring; whether it was there. Its keys are found again through misses. */
  removeStore(id) {
    this.#c.lifetime.check("removeStore");
    return this.#sharded("removeStore").removeShard(id);
  }

  #sharded(method) {
    const store = this.#c.store;
    if (store instanceof ShardedStore) return store;
    fail("E_CONFIG", `${method}: this cache has ${store === null ? "no store" : "a single store"}; pass store as an array or a record of stores to shard`);
  }

  /** The value for `key` from memory or the store, or `undefined`. Never calls a loader. */
  async get(key) {
    if (this.#disposal !== null) failDisposed("EdgeCache.get"); // a field test: hits are hot
    const c = this.#c;
    const k = toStoredKey(key);
    const memory = fromMemory(c, k, null, NO_OPTIONS, elapsedClock());
    if (!(memory instanceof Promise) && memory?.served) return memory.value;
    c.lifetime.enter("get");
    try {
      if (!(memory instanceof Promise)) return await getFromStore(c, k, memory?.stale ?? null, null);
      // A set or delete from now on (while the entry's tags are checked) wins over what
      // this call finds.
      const token = c.coordinator.begin(k);
      try {
        const hit = await memory;
        if (hit?.served) return hit.value;
        return await getFromStore(c, k, hit?.stale ?? null, token);
      } finally {
        c.coordinator.end(k, token);
      }
    } finally {
      c.lifetime.leave();
    }
  }

  /**
   * The values of `keys`, in order (`undefined` where none): memory first, then one batched
   * store read for the misses (where the store has getMany). Never calls a loader.
   */
  getMany(keys) {
    return this.#c.lifetime.run("getMany", () => Promise.all(checkKeys("getMany", keys).map((k) => this.get(k))));
  }

  /**
   * Sets every `{ key, value, ttl?, tags? }` entry (each as `set` does; every entry is
   * checked before any is written). Resolves once all are stored; if any failed, rejects
   * with the first failure in the entries' order once all have settled.
   */
  setMany(entries) {
    return this.#c.lifetime.run("setMany", () => setMany(this.#c, entries, (k, v, o) => this.set(k, v, o)));
  }

  /**
   * Whether `key` has a value `get` would serve (fresh, or stale inside its
   * stale-while-revalidate window) in memory or the store. Calls no loader, reads only the
   * record's header, counts nothing.
   */
  has(key) {
    return this.#c.lifetime.run("has", async () => has(this.#c, toStoredKey(key)));
  }

  /**
   * Removes every entry of the cache's namespace without listing keys: this isolate's
   * memory at once, the store's records by moving to a new clear epoch (other isolates see
   * it within their re-check interval, memoryTtl, or at once over the `bus`; see README
   * "Clearing"). Rejects E_STORE
   * when the store could not take it.
   */
  clear() {
    return this.#c.lifetime.run("clear", () => this.#c.clears.clear());
  }

  /**
   * The value for `key`; on a miss, `loader(ctx)` is called (once for all concurrent callers)
   * and its result cached (`ctx.skip()`: not cached; `ctx.setTtl(ms)`: cached for `ms`; see
   * README). Stale values are served within the windows the caller chose.
   */
  async getOrSet(key, loader, options) {
    if (this.#disposal !== null) failDisposed("EdgeCache.getOrSet"); // a field test: hits are hot
    const c = this.#c;
    const k = toStoredKey(key);
    if (typeof loader !== "function") {
      fail("E_ARGUMENT", `getOrSet: loader must be a function returning the value (or a promise of it), got ${typeName(loader)}`);
    }
    const o = callOptions("getOrSet", options, GET_OR_SET);
    const memory = o.forceRefresh === true ? null : fromMemory(c, k, loader, o, elapsedClock());
    if (!(memory instanceof Promise) && memory?.served) return memory.value;
    c.lifetime.enter("getOrSet");
    try {
      if (!(memory instanceof Promise)) return await loadThrough(c, k, loader, o, memory?.stale ?? null, null);
      // As in `get`: a set or delete while the tags are checked wins over this call's load.
      const token = c.coordinator.begin(k);
      try {
        const hit = await memory;
        if (hit?.served) return hit.value;
        return await loadThrough(c, k, loader, o, hit?.stale ?? null, token);
      } finally {
        c.coordinator.end(k, token);
      }
    } finally {
      c.lifetime.leave();
    }
  }

  /**
   * Stores `value` in memory and in the store: write-through resolves once the store has
   * it; write-behind once the queue accepted it (waiting for room when the queue is full).
   */
  set(key, value, options) {
    return this.#c.lifetime.run("set", () => setValue(this.#c, key, value, options));
  }

  /**
   * Removes `key` from memory and the store; whether either held it (with write-behind:
   * whether memory or the queue held it; the store is not read).
   */
  delete(key) {
    return this.#c.lifetime.run("delete", () => deleteValue(this.#c, key));
  }

  /**
   * A function that caches `fn`'s results under `options.key(...args)`; `fn` is called
   * with the loader context as `this` (`this.skip()`, `this.setTtl(ms)`).
   */
  wrap(fn, options) {
    if (typeof fn !== "function") fail("E_ARGUMENT", `wrap: fn must be a function, got ${typeName(fn)}`);
    const o = callOptions("wrap", options, WRAP);
    if (typeof o.key !== "function") {
      fail("E_ARGUMENT", "wrap: options.key must be a function turning the arguments into a key, e.g. (id) => [\"user\", id]");
    }
    const { key, ...rest } = o;
    // async: a key function that throws rejects the call, as every other failure does.
    return async (...args) => this.getOrSet(key(...args), (ctx) => fn.apply(ctx, args), rest);
  }

  /**
   * Invalidates every entry written under any of `tags`: bumps each tag's generation in
   * the store. Other isolates see it when they next re-read tags (at most memoryTtl later),
   * or at once over the `bus`.
   */
  invalidateTags(tags) {
    // checkTags copies: the caller may change the array while the store is written.
    const c = this.#c;
    return c.lifetime.run("invalidateTags", async () => {
      const list = checkTags("invalidateTags", tags);
      monitor(c, c.now());
      return c.tags.invalidate(list, (generations) => c.bus?.invalidated(list, generations));
    });
  }

  /**
   * Preloads entries (`{ key, value }` or `{ key, loader }`, with optional `ttl`, `tags`,
   * `staleWhileRevalidate`, `staleIfError`), skipping keys already fresh in memory or the
   * store (or set or deleted while being warmed), with at most `concurrency`
   * entries (so loaders) in progress at once. Resolves with
   * `{ total, warmed, skipped, failed, errors, elapsedMs }`; never rejects for an entry.
   */
  warm(entries, options) {
    return this.#c.lifetime.run("warm", () => warm(this.#c, entries, options));
  }

  /**
   * Resolves when every write accepted before the call is in the store or dead-lettered
   * (write-behind) and all background work (refreshes, store writes, repairs) has settled.
   */
  async flush() {
    this.#c.lifetime.check("flush");
    return this.#flush();
  }

  async #flush() {
    const c = this.#c;
    const writeBehind = c.writeBehind === null ? undefined : await c.writeBehind.flush();
    const report = await c.background.drain();
    return writeBehind === undefined ? report : { ...report, writeBehind };
  }

  /**
   * Frees what the cache holds in wasm memory (its engines, its memory tier) at once,
   * rather than whenever the garbage collector gets to it: wasm memory never shrinks, so
   * caches made per request and dropped would grow it. Calls made from now on reject (or
   * throw) `E_DISPOSED`; the running ones end first, then everything is flushed (see
   * `flush`). Resolves with flush's report; calling it again returns the same promise.
   */
  dispose() {
    this.#disposal ??= this.#dispose();
    return this.#disposal;
  }

  async #dispose() {
    const c = this.#c;
    await c.lifetime.close();
    c.bus?.close();
    const report = await this.#flush();
    c.writeBehind?.dispose();
    c.memory?.dispose();
    if (c.store instanceof ShardedStore) c.store.dispose();
    c.reports.dispose();
    c.tags.dispose();
    c.engine.free();
    return report;
  }

  /**
   * Counters, hit rates and latency per tier over the cache's lifetime and its sliding
   * `window`, the firing `alerts`, and the memory tier's occupancy.
   */
  stats() {
    this.#c.lifetime.check("stats");
    return stats(this.#c);
  }

  /** The monitor's summary over the window: an object whose `toString()` is a few lines of text. */
  report() {
    this.#c.lifetime.check("report");
    return report(this.#c);
  }

  /** Counts and latency histograms as JSON-safe numbers, for `mergeStats` elsewhere. */
  snapshot() {
    this.#c.lifetime.check("snapshot");
    return snapshot(this.#c);
  }

  /**
   * `stats()` as Prometheus text exposition (format 0.0.4): `edgecache_*` counters and
   * gauges labelled with the namespace, latency histograms. See README "Metrics".
   */
  metrics() {
    this.#c.lifetime.check("metrics");
    return prometheusText(this.stats(), { namespace: this.#c.namespace, bounds: latencyBounds() });
  }
}

if (Symbol.asyncDispose !== undefined) {
  /** `await using cache = new EdgeCache(...)`: disposed when the block ends. */
  EdgeCache.prototype[Symbol.asyncDispose] = async function asyncDispose() {
    await this.dispose();
  };
}
