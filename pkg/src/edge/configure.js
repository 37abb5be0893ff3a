// An EdgeCache's wiring: its options checked (by the engine, after the copy that keeps
// caller getters out of wasm) and turned into the one state object its handlers share.
import { EdgeEngine, Report } from "../../dist/edgecache.js";
import { EdgeCacheError, describe, fail, isEdgeCacheError } from "../errors.js";
import { MemoryCache } from "../memory.js";
import { checkWellFormed, plainOptions, readOnce } from "../plain_options.js";
import { checkedClock } from "../clock.js";
import { checkCoordinator } from "../coordinators/check.js";
import { checkStore } from "../stores/check.js";
import { Background } from "./background.js";
import { BusLink, checkBus } from "./bus.js";
import { Clears } from "./clears.js";
import { Coordinator } from "./coordinator.js";
import { landed } from "./lease.js";
import { Lifetime } from "./lifetime.js";
import { alertsNotDue } from "./monitor.js";
import { Reports } from "./reports.js";
import { emit, wasReported } from "./reporting.js";
import { serializerOf } from "./serializer.js";
import { ShardedStore } from "./shards.js";
import { StoreTier, patienceMs } from "./store_tier.js";
import { TagGenerations } from "./tags.js";
import { WriteBehind } from "./write_behind.js";

/**
 * Memory-tier bounds when the caller gives neither `memory.maxEntries` nor `memory.maxBytes`:
 * sized for a 128 MB isolate (Workers), 16 MiB of stored form leaving room for the values'
 * JavaScript objects, which take a few times their JSON's bytes. Without a store, memory is
 * the only home of a value, and a value past a byte bound would be dropped: entries only.
 */
/**
 * The memory tier's policy unless `memory.policy` says otherwise: W-TinyLFU, which hits at
 * least as often as LRU on every trace and workload the tests measure (tests/trace_hit_ratios.rs).
 */
const DEFAULT_POLICY = "tinylfu";
const DEFAULT_MEMORY = Object.freeze({ maxEntries: 1000, maxBytes: 16 * 1024 * 1024, policy: DEFAULT_POLICY });
const DEFAULT_MEMORY_ONLY = Object.freeze({ maxEntries: 1000, policy: DEFAULT_POLICY });

/**
 * The state of a cache made with `given` (see README "EdgeCache"); every failure while
 * reading the caller's options and stores is an E_CONFIG (a getter or Proxy trap that
 * throws included), never the caller's raw error.
 */
export function configure(given) {
  return readingCallerObjects(() => stateOf(given), "E_CONFIG", "EdgeCache: options");
}

function stateOf(given) {
  const options = readOnce(given, "E_CONFIG", "EdgeCache: options", "an object such as { store, ttl: 60000 }");
  if (typeof options.namespace === "string") checkWellFormed(options.namespace, "E_CONFIG", "EdgeCache: option namespace");
  const engineOptions = plainOptions(options, "EdgeCache");
  // alerts has one more level: maxLatency: { store: 200 }
  if (options.alerts !== undefined) engineOptions.alerts = plainOptions(options.alerts, "EdgeCache alerts");
  const { store, memory, now, waitUntil, onEvent, earlyRefresh, serializer } = options;
  const engine = new EdgeEngine({ ...engineOptions, earlyRefresh: earlyRefreshBeta(earlyRefresh) });
  const clock = checkedClock(now ?? Date.now, "EdgeCache");
  const [alertsFrom, alertsUntil] = alertsNotDue(engine);
  const c = {
    engine,
    reports: new Reports(engine, clock),
    now: clock,
    /** The namespace isolating this cache's keys (metrics and reports name the cache by it) */
    namespace: engine.namespace(),
    /** The alert rules are not judged again while the clock is from alertsFrom until alertsUntil (monitor.js) */
    alertsFrom,
    alertsUntil,
    /** How long a read may take at most (ms), store calls timing out: see EdgeEngine.readBound */
    readBound: engine.readBound(),
    /** The loader time limit (ms) of a call that gives none */
    loaderTimeout: engine.loaderTimeout(),
    onEvent,
    /** How values become records and back (see serializer.js) */
    serializer: serializerOf(serializer),
    /** @type {MemoryCache | null} */
    memory: null,
    /** Whether memory entries are sized (the memory tier has maxBytes) */
    memorySized: false,
    /** @type {StoreTier | ShardedStore | null} */
    store: null,
    /** @type {WriteBehind | null} the store-write queue with writeMode "behind" */
    writeBehind: null,
    /** @type {TagGenerations} */
    tags: null,
    /** @type {Clears} the namespace's clear epoch */
    clears: null,
    background: null,
    coordinator: new Coordinator(),
    /** The `coordinator` option, checked: cross-isolate single flight (lease.js), or null */
    lease: null,
    /** Loads running now */
    inFlight: 0,
    /** Errors already reported in an `error` event (a failed background task is not reported twice). */
    reported: new WeakSet(),
    /** Errors thrown for a loader's failure (a stale value may stand in for these only). */
    loaderFailures: new WeakSet(),
    /** The calls running, and whether `dispose()` was called */
    lifetime: new Lifetime(),
    /** @type {BusLink | null} this cache's end of the `bus` option */
    bus: null,
    /** When (the cache's clock) a pull bus is polled next (monitor.js); Infinity: never */
    busPollAt: Infinity,
    /** Leases kept until a write queued behind lands (lease.js): key -> `{ key, token, until }` */
    parkedLeases: new Map(),
  };
  const report = (error, fromTask) => {
    if (!fromTask || !wasReported(c, error)) emit(c, { type: "error", error });
  };
  // A background task is at most a load and a store write (with its tags' read).
  c.background = new Background(waitUntil, report, 2 * c.readBound + c.loaderTimeout);
  const defaults = store === undefined ? DEFAULT_MEMORY_ONLY : DEFAULT_MEMORY;
  // The cache's seed seeds its memory tier too (W-TinyLFU), unless memory.seed is given.
  const seeded = engine.seed() === undefined ? defaults : { ...defaults, seed: engine.seed() };
  // Built only for a listener: the memory tier then collects what leaves it.
  const onEvict = onEvent === undefined ? undefined : (key, _entry, reason) => emit(c, { type: "evict", key, tier: "memory", reason });
  [c.memory, c.memorySized] = makeMemory(memory, { now: c.now, onEvict }, seeded);
  if (c.memory === null && options.alerts?.maxMemoryUsage !== undefined) {
    fail("E_CONFIG", "EdgeCache: alerts.maxMemoryUsage watches the memory tier, which memory: false turns off; remove one of them");
  }
  c.store = store === undefined ? null : storeTier(c, store);
  if (options.coordinator !== undefined) {
    if (c.store === null) fail("E_CONFIG", "EdgeCache: option coordinator needs a store: the isolates that wait for a load read its value from the store");
    c.lease = checkCoordinator(options.coordinator, "EdgeCache: option coordinator");
  }
  c.clears = new Clears(c);
  c.tags = new TagGenerations(engine, c.store, c.now, (tag) => {
    c.reports.count(Report.StoreCorrupt);
    emit(c, { type: "error", tag, tier: "store", reason: "unreadable tag generation" });
  });
  if (!(c.store instanceof ShardedStore)) {
    for (const name of ["replicas", "circuitBreaker"]) {
      if (options[name] !== undefined) {
        fail("E_CONFIG", `EdgeCache: option ${name} applies to several stores; pass store as an array or a record of stores`);
      }
    }
  }
  if (engine.writeBehind()) {
    if (c.store === null) fail("E_CONFIG", 'EdgeCache: writeMode "behind" needs a store to write behind to');
    c.writeBehind = new WriteBehind({
      options: options.writeBehind,
      store: options.bus === undefined && options.coordinator === undefined ? c.store : landing(c),
      emit: (e) => emit(c, e),
      background: c.background,
      now: c.now,
      batchBoundMs: patienceMs(engine.timeout()) + c.readBound,
      seed: engine.seed(),
    });
  } else if (options.writeBehind !== undefined) {
    fail("E_CONFIG", 'EdgeCache: option writeBehind only applies with writeMode: "behind"');
  }
  // Last: a bus may deliver a message as soon as it is subscribed to.
  if (options.bus !== undefined) c.bus = new BusLink(c, checkBus(options.bus));
  return c;
}

/** One store, or several (an array or a record of stores) sharded on a ring. */
function storeTier(c, store) {
  const onEvent = (e) => emit(c, e);
  const parts = { engine: c.engine, reports: c.reports, coordinator: c.coordinator };
  if (Array.isArray(store) || isStoreRecord(store)) {
    return new ShardedStore(store, parts, onEvent, c.now);
  }
  const checked = checkStore(store, "EdgeCache: option store");
  const needed = c.engine.minStoreKeyBytes();
  if (checked.limits.maxKeyBytes < needed) {
    fail("E_CONFIG", `EdgeCache: the store allows keys of ${checked.limits.maxKeyBytes} bytes; at least ${needed} are needed`);
  }
  return new StoreTier(checked, parts, onEvent);
}

/**
 * `run()`, which reads a caller's objects (options, stores): a getter or Proxy trap that
 * throws becomes an EdgeCacheError with `code` naming `what`, not the caller's raw error.
 */
export function readingCallerObjects(run, code, what) {
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

/**
 * The memory tier (null with `memory: false`), and whether it is bounded by bytes;
 * `defaults`' bounds apply when the caller gives none, its seed unless the caller gives one.
 * `own` is what the cache decides: its clock (`now`) and `onEvict` (undefined without onEvent).
 */
function makeMemory(given, own, defaults) {
  if (given === false) return [null, false];
  if (given === undefined) return [new MemoryCache({ ...defaults, ...own }), defaults.maxBytes !== undefined];
  const option = readOnce(given, "E_CONFIG", "EdgeCache: option memory", "MemoryCache options such as { maxEntries: 1000 } or false");
  const followed = [["now", "the cache's now"], ["ttl", "the cache's ttl and memoryTtl"], ["onEvict", 'the cache\'s onEvent (its "evict" events)']];
  for (const [name, instead] of followed) {
    if (option[name] !== undefined) {
      fail("E_CONFIG", `EdgeCache: option memory.${name} is not used; the memory tier follows ${instead}`);
    }
  }
  const bounded = option.maxEntries !== undefined || option.maxBytes !== undefined;
  const sized = (bounded ? option : defaults).maxBytes !== undefined;
  const { seed } = defaults;
  return [new MemoryCache({ ...(bounded ? { seed, policy: DEFAULT_POLICY } : defaults), ...option, ...own }), sized];
}

/**
 * The store tier as the write-behind queue writes to it with a bus or a coordinator: the
 * other isolates hear of a queued write once it is in the store (told sooner, they would
 * read the old copy again), and the lease its load kept is released then (lease.js).
 */
function landing(c) {
  return {
    async write(storeKey, record, ttl, key, how) {
      await c.store.write(storeKey, record, ttl, key, how);
      landed(c, key);
      c.bus?.set(key);
    },
    async remove(storeKey, key, how) {
      await c.store.remove(storeKey, key, how);
      landed(c, key);
      c.bus?.deleted(key);
    },
  };
}
