// EdgeCache: memory (L1) → store (L2) → the caller's loader. The Rust engine decides
// (entry times, freshness, early refresh, store keys and TTLs, record headers, counters);
// this class awaits stores and loaders and carries the decisions out.
import { Count, EdgeEngine, Fresh, HeaderStatus, Tier } from "../../dist/edgecache.js";
import { EdgeCacheError, describe, fail, failDisposed, isEdgeCacheError, typeName } from "../errors.js";
import { toStoredKey } from "../keys.js";
import { MemoryCache } from "../memory.js";
import { checkWellFormed, plainOptions, readOnce } from "../plain_options.js";
import { checkedClock } from "../clock.js";
import { checkStore } from "../stores/check.js";
import { toJson, utf8Length } from "../values.js";
import { Background } from "./background.js";
import { Flights } from "./flight.js";
import { Lifetime } from "./lifetime.js";
import { InProgress, WriteOrder } from "./key_order.js";
import { callOptions, checkTags } from "./options.js";
import { ShardedStore } from "./shards.js";
import { StoreTier, patienceMs } from "./store_tier.js";
import { TagGenerations } from "./tags.js";
import { WriteBehind } from "./write_behind.js";
import { elapsedClock, withTimeout } from "./timeout.js";

const GET_OR_SET = ["ttl", "tags", "staleWhileRevalidate", "staleIfError", "forceRefresh", "loaderTimeout"];
const SET = ["ttl", "tags", "staleWhileRevalidate", "staleIfError"];
const WRAP = ["key", ...GET_OR_SET];
const WARM = ["concurrency", "onProgress"];
/** Memory-tier size when the caller gives neither `memory.maxEntries` nor `memory.maxBytes`. */
const DEFAULT_MEMORY = { maxEntries: 1000 };

/**
 * A tiered cache-aside engine over the platform's KV store. See README "EdgeCache".
 */
export class EdgeCache {
  #engine;
  /** @type {MemoryCache | null} */
  #memory;
  #memorySized;
  /** @type {StoreTier | ShardedStore | null} */
  #store;
  /** @type {WriteBehind | null} the store-write queue with writeMode "behind" */
  #writeBehind = null;
  #now;
  #onEvent;
  #background;
  /** Running loads (getOrSet, warm) per key */
  #loads = new Flights();
  /** Running store reads (get) per key */
  #reads = new Flights();
  /** Running background refreshes per key */
  #refreshes = new Flights();
  /** Running forced loads (getOrSet with forceRefresh) per key */
  #forced = new Flights();
  /** How long a read may take at most (ms), store calls timing out: see EdgeEngine.readBound */
  #readBound;
  /** The loader time limit (ms) of a call that gives none */
  #loaderTimeout;
  /** Reads and loads in progress, which a `set`/`delete` supersedes */
  #inProgress = new InProgress();
  /** The order of each key's store writes and deletes */
  #writeOrder = new WriteOrder();
  /** @type {TagGenerations} */
  #tags;
  #inFlight = 0;
  /** Errors already reported in an `error` event (a failed background task is not reported twice). */
  #reported = new WeakSet();
  /** Errors thrown for a loader's failure (a stale value may stand in for these only). */
  #loaderFailures = new WeakSet();
  /** The calls running, and whether `dispose()` was called */
  #lifetime = new Lifetime();
  /** The promise of `dispose()`, once called */
  #disposal = null;

  /** @param {object} [options] see README: store, namespace, memory, ttl, ... */
  constructor(given = {}) {
    // Every failure while reading the caller's options and stores is an E_CONFIG (a getter
    // or Proxy trap that throws included), never the caller's raw error.
    readingCallerObjects(() => this.#configure(given), "E_CONFIG", "EdgeCache: options");
  }

  #configure(given) {
    const options = readOnce(given, "E_CONFIG", "EdgeCache: options", "an object such as { store, ttl: 60000 }");
    if (typeof options.namespace === "string") checkWellFormed(options.namespace, "E_CONFIG", "EdgeCache: option namespace");
    const engineOptions = plainOptions(options, "EdgeCache");
    const { store, memory, now, waitUntil, onEvent, earlyRefresh } = options;
    this.#engine = new EdgeEngine({ ...engineOptions, earlyRefresh: earlyRefreshBeta(earlyRefresh) });
    this.#now = checkedClock(now ?? Date.now, "EdgeCache");
    this.#readBound = this.#engine.readBound();
    statNames ??= this.#engine.statNames(); // the same for every engine
    this.#loaderTimeout = this.#engine.loaderTimeout();
    this.#onEvent = onEvent;
    const report = (error, fromTask) => {
      if (!fromTask || !this.#wasReported(error)) this.#emit({ type: "error", error });
    };
    // A background task is at most a load and a store write (with its tags' read).
    this.#background = new Background(waitUntil, report, 2 * this.#readBound + this.#loaderTimeout);
    this.#memory = makeMemory(memory, this.#now);
    this.#memorySized = typeof memory === "object" && memory !== null && memory.maxBytes !== undefined;
    this.#store = store === undefined ? null : this.#storeTier(store);
    this.#tags = new TagGenerations(this.#engine, this.#store, this.#now, (tag) => {
      this.#engine.count(Count.StoreCorrupt);
      this.#emit({ type: "error", tag, tier: "store", reason: "unreadable tag generation" });
    });
    if (!(this.#store instanceof ShardedStore)) {
      for (const name of ["replicas", "circuitBreaker"]) {
        if (options[name] !== undefined) {
          fail("E_CONFIG", `EdgeCache: option ${name} applies to several stores; pass store as an array or a record of stores`);
        }
      }
    }
    if (this.#engine.writeBehind()) {
      if (this.#store === null) fail("E_CONFIG", 'EdgeCache: writeMode "behind" needs a store to write behind to');
      this.#writeBehind = new WriteBehind({
        options: options.writeBehind,
        store: this.#store,
        emit: (e) => this.#emit(e),
        background: this.#background,
        now: this.#now,
        batchBoundMs: patienceMs(this.#engine.timeout()) + this.#readBound,
        seed: this.#engine.seed(),
      });
    } else if (options.writeBehind !== undefined) {
      fail("E_CONFIG", 'EdgeCache: option writeBehind only applies with writeMode: "behind"');
    }
  }

  /** One store, or several (an array or a record of stores) sharded on a ring. */
  #storeTier(store) {
    const emit = (e) => this.#emit(e);
    if (Array.isArray(store) || isStoreRecord(store)) {
      return new ShardedStore(store, this.#engine, emit, this.#now);
    }
    const checked = checkStore(store, "EdgeCache: option store");
    const needed = this.#engine.minStoreKeyBytes();
    if (checked.limits.maxKeyBytes < needed) {
      fail("E_CONFIG", `EdgeCache: the store allows keys of ${checked.limits.maxKeyBytes} bytes; at least ${needed} are needed`);
    }
    return new StoreTier(checked, this.#engine, emit);
  }

  /**
   * Adds a store to the ring at runtime (the cache must have been given an array or a
   * record of stores). Keys that now belong to it are found again through misses.
   */
  addStore(id, store) {
    this.#lifetime.check("addStore");
    const sharded = this.#sharded("addStore");
    readingCallerObjects(() => sharded.addShard(id, store), "E_CONFIG", `addStore(${typeof id === "string" ? JSON.stringify(id) : typeName(id)})`);
  }

  /** Removes a store from the ring; whether it was there. Its keys are found again through misses. */
  removeStore(id) {
    this.#lifetime.check("removeStore");
    return this.#sharded("removeStore").removeShard(id);
  }

  #sharded(method) {
    if (this.#store instanceof ShardedStore) return this.#store;
    fail("E_CONFIG", `${method}: this cache has ${this.#store === null ? "no store" : "a single store"}; pass store as an array or a record of stores to shard`);
  }

  /** The value for `key` from memory or the store, or `undefined`. Never calls a loader. */
  async get(key) {
    if (this.#disposal !== null) failDisposed("EdgeCache.get"); // a field test: hits are hot
    const k = toStoredKey(key);
    const started = elapsedClock();
    const memory = this.#fromMemory(k, null, EMPTY_OPTIONS);
    if (!(memory instanceof Promise) && memory?.served) return this.#servedFromMemory(memory, started);
    this.#lifetime.enter("get");
    try {
      if (!(memory instanceof Promise)) return await this.#getFromStore(k, memory?.stale ?? null, null);
      // A set or delete from now on (while the entry's tags are checked) wins over what
      // this call finds.
      const token = this.#inProgress.begin(k);
      try {
        const hit = await memory;
        if (hit?.served) return this.#servedFromMemory(hit, started);
        return await this.#getFromStore(k, hit?.stale ?? null, token);
      } finally {
        this.#inProgress.end(k, token);
      }
    } finally {
      this.#lifetime.leave();
    }
  }

  /** `get` past memory: the store (shared with concurrent `get`s of the key), or undefined. */
  #getFromStore(k, stale, token) {
    if (this.#store === null) return undefined;
    return this.#reads.run(k, this.#readBound, () => this.#readThrough(k, null, EMPTY_OPTIONS, stale, token));
  }

  /**
   * The value for `key`; on a miss, `loader()` is called (once for all concurrent callers)
   * and its result cached. Stale values are served within the windows the caller chose.
   */
  async getOrSet(key, loader, options) {
    if (this.#disposal !== null) failDisposed("EdgeCache.getOrSet"); // a field test: hits are hot
    const k = toStoredKey(key);
    if (typeof loader !== "function") {
      fail("E_ARGUMENT", `getOrSet: loader must be a function returning the value (or a promise of it), got ${typeName(loader)}`);
    }
    const o = callOptions("getOrSet", options, GET_OR_SET);
    const started = elapsedClock();
    const memory = o.forceRefresh === true ? null : this.#fromMemory(k, loader, o);
    if (!(memory instanceof Promise) && memory?.served) return this.#servedFromMemory(memory, started);
    this.#lifetime.enter("getOrSet");
    try {
      if (!(memory instanceof Promise)) return await this.#loadThrough(k, loader, o, memory?.stale ?? null, null);
      // As in `get`: a set or delete while the tags are checked wins over this call's load.
      const token = this.#inProgress.begin(k);
      try {
        const hit = await memory;
        if (hit?.served) return this.#servedFromMemory(hit, started);
        return await this.#loadThrough(k, loader, o, hit?.stale ?? null, token);
      } finally {
        this.#inProgress.end(k, token);
      }
    } finally {
      this.#lifetime.leave();
    }
  }

  /** `getOrSet` past memory: the store, then the loader (shared with concurrent calls of the key). */
  #loadThrough(k, loader, o, stale, token) {
    const flights = o.forceRefresh === true ? this.#forced : this.#loads;
    const loading = flights.run(k, this.#loadBound(o), () => this.#readThrough(k, loader, o, stale, token));
    if (stale === null) return loading;
    // This call may have joined a load that carries no stale value (warm's): its own stands
    // in if that load fails.
    return loading.catch((error) => {
      if (this.#loaderFailures.has(error) && this.#staleIfError(k, stale)) return stale.value;
      throw error;
    });
  }

  #servedFromMemory(hit, started) {
    this.#engine.latency(Tier.Memory, elapsedClock() - started);
    return hit.value;
  }

  /**
   * L1: `null` (nothing usable), `{ served: true, value }`, or `{ stale }` (an entry that
   * may be served only if loading fails). May return a promise when tags need checking.
   */
  #fromMemory(k, loader, o) {
    const entry = this.#memory?.get(k);
    if (entry === undefined) {
      if (this.#memory !== null) this.#memoryMiss(k);
      return null;
    }
    if (entry.tags.length === 0) return this.#classifyMemory(k, entry, loader, o);
    return this.#tags.isCurrent(entry).then((current) => {
      if (current) return this.#classifyMemory(k, entry, loader, o);
      if (this.#memory.peek(k) === entry) this.#memory.delete(k); // not a newer set's entry
      this.#memoryMiss(k);
      return null;
    });
  }

  #classifyMemory(k, e, loader, o) {
    const now = this.#now();
    switch (this.#engine.classify(now, e.expires, e.staleUntil, e.errorUntil, e.loadMs)) {
      case Fresh.Fresh:
        this.#engine.count(Count.MemoryHit);
        this.#event("hit", k, "memory");
        return { served: true, value: e.value };
      case Fresh.RefreshEarly:
        this.#engine.count(Count.MemoryHit);
        this.#event("hit", k, "memory");
        if (loader) this.#refresh(k, loader, o);
        return { served: true, value: e.value };
      case Fresh.Stale:
        this.#engine.count(Count.MemoryStale);
        this.#event("stale", k, "memory");
        if (loader) this.#refresh(k, loader, o);
        return { served: true, value: e.value };
      case Fresh.ErrorOnly:
        this.#memoryMiss(k);
        return { stale: e };
      default:
        this.#memory.delete(k);
        this.#memoryMiss(k);
        return null;
    }
  }

  /** Counts and reports a read that memory could not serve. */
  #memoryMiss(k) {
    this.#engine.count(Count.MemoryMiss);
    this.#event("miss", k, "memory");
  }

  /**
   * L2, then (with a loader) the loader; `stale` is served if both fail within its window.
   * A set or delete of `k` from the start of the call (`token`, taken by the caller, or
   * now) to the end of the load wins: what the read or the loader found is not kept.
   */
  async #readThrough(k, loader, o, stale, callerToken) {
    const token = this.#inProgress.retain(k, callerToken);
    try {
      let storeFailed = false;
      if (this.#store !== null && o.forceRefresh !== true) {
        const found = await this.#readStore(k, loader, o, token);
        if (found.served) return found.value;
        storeFailed = found.failed === true;
        if (found.stale && (stale === null || found.stale.expires > stale.expires)) stale = found.stale;
      }
      if (loader === null) {
        return storeFailed && stale !== null && this.#staleIfError(k, stale) ? stale.value : undefined;
      }
      return await this.#callLoader(k, loader, o, stale, token);
    } finally {
      this.#inProgress.end(k, token);
    }
  }

  /**
   * Reads a record: a write still queued (write-behind) wins over the store's copy, and a
   * queued delete is a miss. `{ record, failed?, repair? }`.
   */
  #readRecord(storeKey, k) {
    const pending = this.#writeBehind?.pending(storeKey);
    if (pending === undefined) return this.#store.read(storeKey, k);
    return { record: pending.op === "set" ? pending.record : null };
  }

  /** L2: `{ served, value }`, `{ stale }`, `{ failed }` or `{}` (nothing usable). */
  async #readStore(k, loader, o, token) {
    const storeKey = this.#engine.dataKey(k, this.#store.limits.maxKeyBytes);
    const { record, failed, repair } = await this.#readRecord(storeKey, k);
    if (failed) return { failed: true };
    const entry = record === null ? null : this.#parse(k, storeKey, record, token);
    // No repair while this isolate writes the key: the replica's copy may be the older one.
    if (entry !== null && repair && this.#mayWriteBack(k, token)) {
      const ttl = EdgeEngine.storeTtl(this.#now(), entry.errorUntil, this.#store.limits.minTtl, entry.tags.length > 0);
      this.#background.add(this.#store.repair(storeKey, record, ttl, repair, k));
    }
    if (entry === null || (entry.tags.length > 0 && !(await this.#tags.isCurrent(entry)))) {
      this.#engine.count(Count.StoreMiss);
      this.#event("miss", k, "store");
      return {};
    }
    const now = this.#now();
    const state = this.#engine.classify(now, entry.expires, entry.staleUntil, entry.errorUntil, entry.loadMs);
    if (state === Fresh.ErrorOnly) {
      this.#engine.count(Count.StoreMiss);
      this.#event("miss", k, "store");
      return { stale: entry };
    }
    if (state === Fresh.Expired) {
      this.#engine.count(Count.StoreMiss);
      this.#event("miss", k, "store");
      return {};
    }
    const stale = state === Fresh.Stale;
    this.#engine.count(stale ? Count.StoreStale : Count.StoreHit);
    this.#event(stale ? "stale" : "hit", k, "store");
    // A set or delete since the read began, or still going out, wins over what it found.
    if (this.#mayWriteBack(k, token)) this.#backfill(k, entry, now);
    // Not for a read a set or delete superseded: the value it found is replaced already.
    if (loader && state !== Fresh.Fresh && !token.dirty) this.#refresh(k, loader, o);
    return { served: true, value: entry.value };
  }

  /**
   * A record as an entry, or null when it is corrupt or another key's (then it is deleted,
   * unless a set or delete of the key came in since the read began: `token`).
   */
  #parse(k, storeKey, record, token) {
    const newline = record.indexOf("\n");
    const header = newline < 0 ? CORRUPT : this.#engine.decode(record.slice(0, newline), k, record.length - newline - 1);
    if (header[0] === HeaderStatus.OtherFormat) return null; // a newer (or older) edgecache's record: a miss, left alone
    let value;
    if (header[0] === HeaderStatus.Ok) {
      try {
        value = JSON.parse(record.slice(newline + 1));
      } catch {
        value = undefined;
      }
    }
    if (value === undefined) {
      this.#engine.count(Count.StoreCorrupt);
      const reason = header[0] === HeaderStatus.ForeignKey ? "record of another key" : "unreadable record";
      this.#emit({ type: "error", key: k, tier: "store", reason });
      // Not while this isolate writes the key: the store may hold the new record by now.
      if (this.#mayWriteBack(k, token)) this.#background.add(this.#store.remove(storeKey, k));
      return null;
    }
    const [, , expires, staleUntil, errorUntil, loadMs] = header;
    const generations = header.length > 6 ? Array.from(header.subarray(6)) : NO_TAGS;
    const tags = generations.length > 0 ? this.#engine.decodedTags() : NO_TAGS;
    const size = this.#memorySized ? utf8Length(record.slice(newline + 1)) : 0;
    return { value, expires, staleUntil, errorUntil, loadMs, tags, generations, size };
  }

  /** Copies a store hit into memory for the time it has left (at most memoryTtl). */
  #backfill(k, entry, now) {
    if (this.#memory === null) return;
    const ttl = this.#engine.memoryTtlFor(now, entry.errorUntil, entry.tags.length > 0);
    if (ttl <= 0) return;
    // Sized as a write is: the UTF-8 length of the value's JSON (the record's body).
    this.#memory.set(k, entry, this.#memorySized ? { ttl, size: entry.size } : { ttl });
    this.#engine.count(Count.Backfill);
  }

  /** A background refresh of `k`: calls the loader and caches its value (see #callLoader). */
  async #load(k, loader, o) {
    const token = this.#inProgress.begin(k);
    try {
      return await this.#callLoader(k, loader, o, null, token);
    } finally {
      this.#inProgress.end(k, token);
    }
  }

  /**
   * Calls the loader, caches its value (unless a `set` or `delete` of the key came in
   * since `token` was taken), serves `stale` if it fails within its window.
   */
  async #callLoader(k, loader, o, stale, token) {
    let loaded;
    try {
      loaded = await this.#runLoader(k, loader, o);
    } catch (error) {
      if (stale !== null && this.#staleIfError(k, stale)) return stale.value;
      throw error;
    }
    const { value, mark, loadMs } = loaded;
    // Superseded by a set or delete, or loaded from data older than an invalidation of one
    // of its tags: the caller gets the value, the cache does not keep it.
    if (this.#loadOutdated(token, o, mark)) return value;
    const write = this.#write(k, value, o, loadMs, false);
    if (write !== null) this.#background.add(write);
    return value;
  }

  /**
   * Calls `loader` for `k`, counted (loads, errors, in flight, latency) and reported (a
   * `load` event; an `error` event when it fails). Resolves with `{ value, mark, loadMs }`
   * (`mark`: the tag invalidations seen before the call). A failure is thrown as E_LOADER
   * with the loader's error as `cause` (an EdgeCacheError the loader throws passes through);
   * so is a loader unsettled after `loaderTimeout` (the call's, else the cache's), with a
   * TimeoutError as `cause`. Its late result is dropped.
   */
  async #runLoader(k, loader, o) {
    const t0 = elapsedClock();
    const mark = this.#tags.mark();
    this.#engine.count(Count.Load);
    this.#event("load", k, "loader");
    this.#inFlight++;
    try {
      const value = await withTimeout(Promise.resolve(loader()), o.loaderTimeout ?? this.#loaderTimeout, "loader");
      if (value === undefined) {
        throw new EdgeCacheError("E_LOADER", `loader for "${k}" returned undefined; return null to cache "no value"`);
      }
      return { value, mark, loadMs: elapsedClock() - t0 };
    } catch (cause) {
      this.#engine.count(Count.LoadError);
      this.#emit({ type: "error", key: k, tier: "loader", error: cause });
      const failure = isEdgeCacheError(cause)
        ? cause
        : new EdgeCacheError("E_LOADER", `loader for "${k}" failed: ${describe(cause)}`, { cause });
      this.#loaderFailures.add(failure);
      this.#reported.add(failure);
      throw failure;
    } finally {
      this.#inFlight--;
      this.#engine.latency(Tier.Loader, elapsedClock() - t0);
    }
  }

  /**
   * Whether what a read of `k` found may still go back to memory or the store (repair,
   * back-fill, deleting a corrupt record): not once a set or delete came in since the call
   * began (`token.dirty`), nor once a store write of the key ended while it ran
   * (`token.outdated`: it may have read what the store held before), nor while one of the
   * key is going out.
   */
  #mayWriteBack(k, token) {
    return !token.dirty && !token.outdated && !this.#writeOrder.busy(k);
  }

  /**
   * Whether a loaded value is older than the cache's state: a set or delete came in while it
   * loaded (`token`), or one of its tags was invalidated after `mark`.
   */
  #loadOutdated(token, o, mark) {
    return token.dirty || this.#tags.invalidatedSince(o.tags ?? NO_TAGS, mark);
  }

  /** Whether `stale` may still be served because loading failed (counts it). */
  #staleIfError(k, stale) {
    if (!(this.#now() < stale.errorUntil)) return false;
    this.#engine.count(Count.StaleIfError);
    this.#emit({ type: "stale", key: k, reason: "error" });
    return true;
  }

  /** Starts one background refresh of `k` (none if one is running). */
  #refresh(k, loader, o) {
    if (this.#refreshes.has(k)) return;
    this.#engine.count(Count.Refresh);
    this.#emit({ type: "refresh", key: k });
    const bound = this.#loadBound(o);
    // With its store write, bounded as a read is.
    this.#background.add(this.#refreshes.run(k, bound, () => this.#load(k, loader, o)), bound + this.#readBound);
  }

  /** How long a load with the call options `o` may take at most (ms): see EdgeEngine.loadBound. */
  #loadBound(o) {
    return o.loaderTimeout === undefined ? this.#readBound + this.#loaderTimeout : this.#engine.loadBound(o.loaderTimeout);
  }

  /**
   * Stores `value` in memory at once and returns the store write (a promise), or null
   * without a store. Throws E_VALUE for a value with no JSON form.
   */
  #write(k, value, o, loadMs, bySet, json = toStoredJson(k, value)) {
    const tags = o.tags ?? NO_TAGS;
    const now = this.#now();
    this.#engine.entryTimes(now, o.ttl, o.staleWhileRevalidate, o.staleIfError);
    const expires = this.#engine.times(0);
    const staleUntil = this.#engine.times(1);
    const errorUntil = this.#engine.times(2);
    const known = tags.length === 0 ? NO_TAGS : this.#tags.known(tags);
    // Until #writeStore has read the tags' generations, the new entry counts as current.
    const generations = known ?? tags.map(() => Infinity);
    const mark = this.#tags.mark();
    const entry = { value, expires, staleUntil, errorUntil, loadMs, tags, generations, mark };
    const memoryTtl = this.#memory === null ? 0 : this.#engine.memoryTtlFor(now, errorUntil, tags.length > 0);
    // A TTL below the clock's resolution (now + ttl === now) leaves nothing to keep.
    if (memoryTtl > 0) {
      const opts = { ttl: memoryTtl };
      if (this.#memorySized) opts.size = utf8Length(json);
      this.#memory.set(k, entry, opts);
    } else {
      this.#memory?.delete(k);
    }
    if (this.#store === null && known !== null) return null;
    return this.#writeStore(k, entry, json, now, this.#ticket(k, bySet));
  }

  async #writeStore(k, entry, json, now, ticket) {
    try {
      await this.#sendRecord(k, entry, json, now, ticket);
    } finally {
      this.#writeDone(k, ticket);
    }
  }

  /**
   * A ticket for a store write or delete of `k` asked for now (see WriteOrder); `bySet`:
   * for a `set` or `delete` (not a load's or warm's write of what it loaded).
   */
  #ticket(k, bySet) {
    const ticket = this.#writeOrder.ticket(k);
    ticket.bySet = bySet;
    return ticket;
  }

  /**
   * A store write or delete of `k` is over (sent and settled, or dropped). The reads still
   * running may have read what the store held before it: they write nothing of what they
   * found back, and later callers do not join them (nor, after a `set` or `delete`, the
   * loads running, which may serve what they found).
   */
  #writeDone(k, ticket) {
    this.#writeOrder.done(ticket);
    this.#inProgress.outdate(k);
    this.#reads.delete(k);
    if (ticket.bySet) this.#dropFlights(k);
  }

  async #sendRecord(k, entry, json, now, ticket) {
    if (entry.tags.length > 0) {
      // A tag invalidated since the write (while its generation was read) wins over it: the
      // record carries a generation just below the current one, so it is stale everywhere.
      const current = await this.#tags.current(entry.tags);
      const unknown = entry.tags.filter((_, i) => Number.isNaN(current[i]));
      if (unknown.length > 0) {
        // Stamped with a guess, the record would be a miss for ever (a guess too low) or
        // outlive an invalidation (too high); memory's copy, current until now, goes too.
        if (this.#memory?.peek(k) === entry) this.#memory.delete(k);
        throw new EdgeCacheError("E_STORE", `the value for "${k}" was not cached: the generation of its tag ${JSON.stringify(unknown[0])} could not be read from the store; try again`);
      }
      entry.generations = current.map((g, i) => (this.#tags.invalidatedSince([entry.tags[i]], entry.mark) ? g - 1 : g));
    }
    if (this.#store === null) return;
    const { maxKeyBytes, maxValueBytes, minTtl } = this.#store.limits;
    const header = this.#engine.encode(k, json.length, now, entry.expires, entry.staleUntil, entry.errorUntil, entry.loadMs, entry.tags, entry.generations);
    const record = `${header}\n${json}`;
    const bytes = utf8Length(record);
    if (bytes > maxValueBytes) {
      throw new EdgeCacheError(
        "E_VALUE",
        `value for "${k}" is ${bytes} bytes as stored; the store allows ${maxValueBytes}: it is kept in memory only`,
      );
    }
    const ttl = EdgeEngine.storeTtl(now, entry.errorUntil, minTtl, entry.tags.length > 0);
    const storeKey = this.#engine.dataKey(k, maxKeyBytes);
    if (!this.#writeOrder.claim(ticket)) return; // a later write or delete of the key went out first
    if (this.#writeBehind !== null) await this.#writeBehind.set(storeKey, k, entry.value, record, ttl);
    else await this.#store.write(storeKey, record, ttl, k);
  }

  /**
   * Stores `value` in memory and in the store: write-through resolves once the store has
   * it; write-behind once the queue accepted it (waiting for room when the queue is full).
   */
  set(key, value, options) {
    return this.#lifetime.run("set", () => this.#set(key, value, options));
  }

  async #set(key, value, options) {
    const k = toStoredKey(key);
    if (value === undefined) fail("E_VALUE", "set: value is undefined; use delete(key) to remove an entry, or store null");
    const o = callOptions("set", options, SET);
    const json = toStoredJson(k, value); // a value with no JSON form changes nothing
    this.#supersede(k);
    const write = this.#write(k, value, o, 0, true, json);
    if (write === null) return;
    try {
      await write;
    } catch (error) {
      throw storeWriteError("set", k, error);
    }
  }

  /**
   * A `set` or `delete` of `k`: the reads and loads running now may not write back what
   * they found, and callers from now on do not join them (they would get the older value).
   */
  #supersede(k) {
    this.#inProgress.supersede(k);
    this.#dropFlights(k);
  }

  /** Callers from now on start their own reads and loads of `k`. */
  #dropFlights(k) {
    this.#reads.delete(k);
    this.#loads.delete(k);
    this.#forced.delete(k);
  }

  /**
   * Removes `key` from memory and the store; whether either held it (with write-behind:
   * whether memory or the queue held it; the store is not read).
   */
  delete(key) {
    return this.#lifetime.run("delete", () => this.#delete(key));
  }

  async #delete(key) {
    const k = toStoredKey(key);
    this.#supersede(k);
    const inMemory = this.#memory?.delete(k) ?? false;
    if (this.#store === null) return inMemory;
    const storeKey = this.#engine.dataKey(k, this.#store.limits.maxKeyBytes);
    const ticket = this.#ticket(k, true);
    try {
      if (this.#writeBehind !== null) {
        const queued = this.#writeBehind.pending(storeKey)?.op === "set";
        if (this.#writeOrder.claim(ticket)) await this.#writeBehind.delete(storeKey, k);
        return inMemory || queued;
      }
      const { record, failed } = await this.#store.read(storeKey, k);
      const held = inMemory || (!failed && record !== null);
      if (!this.#writeOrder.claim(ticket)) return held; // a later set of the key went out first
      try {
        await this.#store.remove(storeKey, k);
      } catch (error) {
        throw new EdgeCacheError("E_STORE", `delete "${k}": the store failed (${describe(error)}); it is gone from this isolate's memory, the store may still hold it`, { cause: error });
      }
      return held;
    } finally {
      this.#writeDone(k, ticket);
    }
  }

  /** A function that caches `fn`'s results under `options.key(...args)`. */
  wrap(fn, options) {
    if (typeof fn !== "function") fail("E_ARGUMENT", `wrap: fn must be a function, got ${typeName(fn)}`);
    const o = callOptions("wrap", options, WRAP);
    if (typeof o.key !== "function") {
      fail("E_ARGUMENT", "wrap: options.key must be a function turning the arguments into a key, e.g. (id) => [\"user\", id]");
    }
    const { key, ...rest } = o;
    // async: a key function that throws rejects the call, as every other failure does.
    return async (...args) => this.getOrSet(key(...args), () => fn(...args), rest);
  }

  /**
   * Invalidates every entry written under any of `tags`: bumps each tag's generation in
   * the store. Other isolates see it when they next re-read tags (at most memoryTtl later).
   */
  invalidateTags(tags) {
    return this.#lifetime.run("invalidateTags", () => this.#invalidateTags(tags));
  }

  async #invalidateTags(tags) {
    // checkTags copies: the caller may change the array while the store is written.
    await this.#tags.invalidate(checkTags("invalidateTags", tags));
  }

  /**
   * Preloads entries (`{ key, value }` or `{ key, loader }`, with optional `ttl`, `tags`,
   * `staleWhileRevalidate`, `staleIfError`), skipping keys already fresh in memory or the
   * store (or set or deleted while being warmed), with at most `concurrency`
   * entries (so loaders) in progress at once. Resolves with
   * `{ total, warmed, skipped, failed, errors, elapsedMs }`; never rejects for an entry.
   */
  warm(entries, options) {
    return this.#lifetime.run("warm", () => this.#warm(entries, options));
  }

  async #warm(entries, options) {
    const list = readingCallerObjects(() => (entries == null || typeof entries[Symbol.iterator] !== "function" ? null : [...entries]), "E_ARGUMENT", "warm: entries");
    if (list === null) {
      fail("E_ARGUMENT", `warm: entries must be an iterable of { key, value } or { key, loader }, got ${typeName(entries)}`);
    }
    const { concurrency = 4, onProgress } = callOptions("warm", options, WARM);
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      fail("E_ARGUMENT", `warm: concurrency must be a whole number ≥ 1, got ${describe(concurrency)}`);
    }
    if (onProgress !== undefined && typeof onProgress !== "function") {
      fail("E_ARGUMENT", `warm: onProgress must be a function (done, total) => void, got ${typeName(onProgress)}`);
    }
    const report = { total: list.length, warmed: 0, skipped: 0, failed: 0, errors: [], elapsedMs: 0 };
    const started = elapsedClock();
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < list.length) {
        const entry = list[next++];
        try {
          report[(await this.#warmOne(entry)) ? "warmed" : "skipped"]++;
        } catch (error) {
          report.failed++;
          report.errors.push({ key: entryKey(entry), error });
        }
        done++;
        try {
          onProgress?.(done, list.length);
        } catch {
          // A progress callback's failure must not stop the warming.
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
    report.elapsedMs = elapsedClock() - started;
    return report;
  }

  /** Warms one entry; false when it was already fresh or a set or delete of it came in meanwhile. */
  async #warmOne(entry) {
    const { key, value, loader, ...rest } = readOnce(entry, "E_ARGUMENT", "warm: each entry", "an object { key, value } or { key, loader }");
    const k = toStoredKey(key);
    if ((value === undefined) === (loader === undefined) || (loader !== undefined && typeof loader !== "function")) {
      fail("E_ARGUMENT", `warm: entry "${k}" needs exactly one of value or loader (a function)`);
    }
    const o = callOptions("warm entry", rest, SET);
    // A set or delete of the key while this entry is checked or loaded wins over it.
    const token = this.#inProgress.begin(k);
    try {
      if ((await this.#isFresh(k, token)) || token.dirty) return false;
      if (loader === undefined) {
        await this.#set(k, value, o);
        return true;
      }
      return await this.#warmLoad(k, loader, o, token);
    } finally {
      this.#inProgress.end(k, token);
    }
  }

  /**
   * Loads a warm entry through the load flights (so a getOrSet of the key meanwhile shares
   * the load) and then waits for its store write, whose failure only `warm` reports.
   */
  async #warmLoad(k, loader, o, token) {
    let written = null;
    let dropped = false;
    await this.#loads.run(k, this.#loadBound(o), async () => {
      const { value, mark, loadMs } = await this.#runLoader(k, loader, o);
      if (!this.#loadOutdated(token, o, mark)) {
        const write = this.#write(k, value, o, loadMs, false);
        written = write === null ? null : write.then(() => null, (error) => ({ error }));
      } else {
        dropped = true;
      }
      return value;
    });
    const failure = await written;
    if (failure) throw storeWriteError("warm", k, failure.error);
    return !dropped && !token.dirty;
  }

  /**
   * Whether `k` has a fresh value in memory or the store; a store hit is back-filled unless
   * `token` was superseded by a set or delete during the read.
   */
  async #isFresh(k, token) {
    const now = this.#now();
    const fresh = (e) => this.#engine.classify(now, e.expires, e.staleUntil, e.errorUntil, 0) === Fresh.Fresh;
    const inMemory = this.#memory?.peek(k);
    if (inMemory !== undefined && fresh(inMemory) && (inMemory.tags.length === 0 || (await this.#tags.isCurrent(inMemory)))) {
      return true;
    }
    if (this.#store === null) return false;
    const storeKey = this.#engine.dataKey(k, this.#store.limits.maxKeyBytes);
    const { record } = await this.#readRecord(storeKey, k);
    const entry = record ? this.#parse(k, storeKey, record, token) : null;
    if (entry === null || !fresh(entry) || (entry.tags.length > 0 && !(await this.#tags.isCurrent(entry)))) return false;
    if (this.#mayWriteBack(k, token)) this.#backfill(k, entry, now);
    return true;
  }

  /**
   * Resolves when every write accepted before the call is in the store or dead-lettered
   * (write-behind) and all background work (refreshes, store writes, repairs) has settled.
   */
  async flush() {
    this.#lifetime.check("flush");
    return this.#flush();
  }

  async #flush() {
    const writeBehind = this.#writeBehind === null ? undefined : await this.#writeBehind.flush();
    const report = await this.#background.drain();
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
    await this.#lifetime.close();
    const report = await this.#flush();
    this.#writeBehind?.dispose();
    this.#memory?.dispose();
    if (this.#store instanceof ShardedStore) this.#store.dispose();
    this.#engine.free();
    return report;
  }

  /** Counters and latency per tier; `memory.tier` is the memory tier's own stats. */
  stats() {
    this.#lifetime.check("stats");
    const s = namedStats(statNames, this.#engine.stats(this.#inFlight));
    if (this.#memory !== null) s.memory.tier = this.#memory.stats();
    if (this.#store instanceof ShardedStore) s.shards = this.#store.stats();
    if (this.#writeBehind !== null) s.writeBehind = this.#writeBehind.stats();
    return s;
  }

  /** Reports `{ type, key, tier }`, built only when someone listens (hits are hot). */
  #event(type, key, tier) {
    if (this.#onEvent !== undefined) this.#emit({ type, key, tier });
  }

  /** Whether `error` was the subject of an `error` event already. */
  #wasReported(error) {
    return isObject(error) && this.#reported.has(error);
  }

  #emit(event) {
    if (event.type === "error" && isObject(event.error)) this.#reported.add(event.error);
    if (this.#onEvent === undefined) return;
    try {
      this.#onEvent(event);
    } catch {
      // An event handler's failure must not break the cache.
    }
  }
}

const EMPTY_OPTIONS = Object.freeze({});
if (Symbol.asyncDispose !== undefined) {
  /** `await using cache = new EdgeCache(...)`: disposed when the block ends. */
  EdgeCache.prototype[Symbol.asyncDispose] = async function asyncDispose() {
    await this.dispose();
  };
}

/** The names of an engine's stats numbers, in its order (EdgeEngine.statNames), once read. */
let statNames;
/** What `decode` would answer for a record without a header line. */
const CORRUPT = [HeaderStatus.Corrupt];

/**
 * The engine's stats numbers as `{ memory, store, loader }`, each with its `latency`:
 * `names` are the engine's (`"store.corrupt"`, `"memory.latency.p99"`), in its order.
 */
function namedStats(names, numbers) {
  const out = {};
  names.forEach((name, i) => {
    const path = name.split(".");
    let at = out;
    for (const part of path.slice(0, -1)) at = at[part] ??= {};
    at[path[path.length - 1]] = numbers[i];
  });
  return out;
}
const NO_TAGS = Object.freeze([]);

/** `value` as JSON for the store; E_VALUE when it has no JSON form. */
function toStoredJson(k, value) {
  return toJson(value, `value for "${k}"`, "store values JSON can carry (objects, arrays, strings, numbers, booleans, null)");
}

/** Whether `value` can be held in a WeakSet. */
function isObject(value) {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

/** A failed store write of `k` by `method`, as the caller sees it (E_STORE unless it is one of ours). */
function storeWriteError(method, k, error) {
  if (isEdgeCacheError(error)) return error;
  const message = `${method} "${k}": the store failed (${describe(error)}); this isolate's memory has the value, the store may not`;
  return new EdgeCacheError("E_STORE", message, { cause: error });
}

/** A warm entry's key for its report, if reading it does not throw. */
function entryKey(entry) {
  try {
    return entry?.key;
  } catch {
    return undefined;
  }
}

/**
 * `run()`, which reads a caller's objects (options, stores): a getter or Proxy trap that
 * throws becomes an EdgeCacheError with `code` naming `what`, not the caller's raw error.
 */
function readingCallerObjects(run, code, what) {
  try {
    return run();
  } catch (error) {
    if (isEdgeCacheError(error)) throw error;
    throw new EdgeCacheError(code, `${what}: reading them threw (${describe(error)}); pass plain objects and arrays (stores with get/set/delete functions, or one of stores.*)`, { cause: error });
  }
}

/**
 * Whether the `store` option is a record of shards (id -> store) rather than one store:
 * an object none of whose store methods is a function.
 */
function isStoreRecord(store) {
  if (store === null || typeof store !== "object") return false;
  return !["get", "set", "delete", "getMany"].some((name) => typeof store[name] === "function");
}

function earlyRefreshBeta(option) {
  if (option === null || typeof option !== "object") return option;
  if (Array.isArray(option) || Object.getPrototypeOf(option) !== Object.prototype) {
    fail("E_CONFIG", "EdgeCache: option earlyRefresh must be true, false or { beta: number > 0 }");
  }
  const { beta = 1, ...rest } = option;
  const unknown = Object.keys(rest);
  if (unknown.length > 0 || typeof beta !== "number") {
    fail("E_CONFIG", "EdgeCache: option earlyRefresh must be true, false or { beta: number > 0 }");
  }
  return beta;
}

function makeMemory(given, now) {
  if (given === false) return null;
  if (given === undefined) return new MemoryCache({ ...DEFAULT_MEMORY, now });
  const option = readOnce(given, "E_CONFIG", "EdgeCache: option memory", "MemoryCache options such as { maxEntries: 1000 } or false");
  for (const [name, instead] of [["now", "the cache's now"], ["ttl", "the cache's ttl and memoryTtl"]]) {
    if (option[name] !== undefined) {
      fail("E_CONFIG", `EdgeCache: option memory.${name} is not used; the memory tier follows ${instead}`);
    }
  }
  const bounded = option.maxEntries !== undefined || option.maxBytes !== undefined;
  return new MemoryCache({ ...(bounded ? {} : DEFAULT_MEMORY), ...option, now });
}
