/**
 * A cache key: a non-empty string, or an array of string / finite number parts joined with ":"
 * (a `:` or `\` inside a string part is escaped with `\`: ["a:b", "c"] and ["a", "b:c"] differ).
 * EdgeCache keys (which are stored) must also be well-formed text: no lone UTF-16 surrogate.
 */
export type Key = string | ReadonlyArray<string | number>;

/** Longest key accepted, in UTF-16 code units (after joining array parts). */
export declare const MAX_KEY_LENGTH: number;

/** Stable error codes carried by {@link EdgeCacheError.code}. */
export type ErrorCode =
  | "E_CONFIG" // a constructor option: wrong type, out of range, unknown name
  | "E_KEY" // a key: empty, wrong type, too long, a lone surrogate (EdgeCache)
  | "E_VALUE" // a value: undefined, no JSON form, larger than the store allows
  | "E_ARGUMENT" // a per-call argument or option
  | "E_STORE" // the store failed a write, delete or tag invalidation (reads never throw it)
  | "E_LOADER" // the loader threw or returned undefined (the loader's error is `cause`; an EdgeCacheError it throws passes through as is)
  | "E_COORDINATOR" // a coordinator's acquire resolved to something else than a token or null (an `error` event; the call still loads)
  | "E_EMPTY_RING" // HashRing.node on a ring with no nodes
  | "E_DISPOSED"; // a call on a cache or ring after its dispose()

/** Every error edgecache throws; the message says how to fix the call. */
export declare class EdgeCacheError extends Error {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown });
  readonly name: "EdgeCacheError";
  readonly code: ErrorCode;
}

/**
 * Why a value left a memory tier: evicted to make room ("capacity"), found past its TTL
 * ("expired"), removed by `delete` or `clear` ("explicit"), or replaced by a `set` of its key
 * ("replaced", also when the new value is too large to keep).
 */
export type EvictionReason = "capacity" | "expired" | "explicit" | "replaced";

/** Options of {@link MemoryCache}. Unknown names are rejected with `E_CONFIG`. */
export interface MemoryOptions<V = unknown> {
  /** Most entries kept (whole number ≥ 1). Default 10 000 when `maxBytes` is not given either. */
  maxEntries?: number;
  /** Most bytes kept: the sum of entry sizes (`size`, else the UTF-8 length of the value's JSON). */
  maxBytes?: number;
  /** Default time to live in ms (finite, > 0). Omit for no expiry. */
  ttl?: number;
  /** Eviction policy. Default "lru". */
  policy?: "lru" | "tinylfu";
  /** Seed (a whole number ≥ 1) of W-TinyLFU's randomness, so that a run replays exactly; default: seeded from the platform on first use. */
  seed?: number;
  /** Clock in ms. Default: `Date.now()`, read at most once per millisecond timer tick. */
  now?: () => number;
  /**
   * Told of each value that leaves, and why, once the change is done (so it may use the cache;
   * one that throws is ignored), like lru-cache's `dispose`. A `set` of the value already held
   * tells nothing; `dispose()` tells nothing. Default none: then nothing is collected for it.
   */
  onEvict?: (key: string, value: V, reason: EvictionReason) => void;
}

/** Per-entry options of {@link MemoryCache.set}. */
export interface MemorySetOptions {
  /** Time to live in ms (finite, > 0); overrides the default. */
  ttl?: number;
  /** Size in bytes (whole number ≥ 0); overrides the JSON byte length. */
  size?: number;
}

/** Statistics of a memory tier. */
export interface TierStats {
  hits: number;
  misses: number;
  /** hits / (hits + misses); 0 before any read. */
  hitRate: number;
  sets: number;
  deletes: number;
  /** Entries evicted to make room. */
  evictions: number;
  /** Entries dropped because their TTL ran out. */
  expirations: number;
  /** Values refused: larger than maxBytes, or not admitted by the policy. */
  rejected: number;
  /**
   * Removals by why they happened (see {@link EvictionReason}); `replaced` counts values
   * dropped because a set's new value could not be kept (a set whose value is kept is a set).
   */
  evictionsByReason: { capacity: number; expired: number; explicit: number; replaced: number };
  /** Entries held (expired ones count until touched or evicted). */
  size: number;
  bytes: number;
}

/** The in-isolate memory tier on its own: synchronous, bounded, with TTLs. */
export declare class MemoryCache<V = unknown> {
  constructor(options?: MemoryOptions<V>);
  /** The value, or undefined; a hit makes the entry most recent. */
  get(key: Key): V | undefined;
  /** The value, or undefined, without touching recency or hit/miss stats (an expired entry is removed, counted as expired). */
  peek(key: Key): V | undefined;
  /** Stores a value (`undefined` is not a value: use delete). */
  set(key: Key, value: V, options?: MemorySetOptions): void;
  /** Whether a live entry is held; does not touch recency or hit/miss stats (an expired entry is removed, counted as expired). */
  has(key: Key): boolean;
  /** Removes an entry; whether a live one was there. */
  delete(key: Key): boolean;
  /** Removes every entry; stats are kept. */
  clear(): void;
  /** Entries held. */
  readonly size: number;
  /** Sum of entry sizes. */
  readonly bytes: number;
  /** How full the cache is, 0..1: the larger of `size / maxEntries` and `bytes / maxBytes`. */
  readonly usage: number;
  stats(): TierStats;
  /** Frees the engine's wasm memory now and drops every entry; later calls throw `E_DISPOSED`. Also `using`. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** A node of a {@link HashRing}: a `"host:port"` id (weight 1), or an id with a weight. */
export type RingNode = string | { id: string; weight?: number };

/** Options of {@link HashRing}. Unknown names are rejected with `E_CONFIG`. */
export interface HashRingOptions {
  /** Points on the continuum for an average node: a multiple of 4 from 4 to 10 000. Default 160 (classic ketama). */
  pointsPerNode?: number;
  /** Point-key spelling: "ketama" (libmemcached, pylibmc; default) or "spy" (spymemcached). */
  mode?: "ketama" | "spy";
}

/**
 * A ketama consistent-hash ring, libmemcached compatible: which node owns a key.
 * Bad nodes or options throw `E_CONFIG` from the constructor and `E_ARGUMENT` from `add`.
 */
export declare class HashRing {
  /** Node ids are unique (`"h"` and `"h:11211"` are one server); weights are whole numbers ≥ 1. */
  constructor(nodes: ReadonlyArray<RingNode>, options?: HashRingOptions);
  /** The owner of `key`; throws `E_EMPTY_RING` when the ring has no nodes. */
  node(key: Key): string;
  /** Up to `n` distinct owners in ring order, starting with `node(key)`: `min(n, size)` ids. */
  nodes(key: Key, n: number): string[];
  /** Adds a node; throws `E_ARGUMENT` (changing nothing) if it is invalid or already on the ring. */
  add(node: RingNode): void;
  /** Removes a node (by its id or another spelling of its server: "h" for "h:11211"); whether it was on the ring. */
  remove(id: string): boolean;
  /** The number of nodes. */
  readonly size: number;
  /** Frees the engine's wasm memory now; later calls throw `E_DISPOSED`. Also `using`. */
  dispose(): void;
  [Symbol.dispose](): void;
}

// ---- stores: the key-value stores behind the memory tier ----

/** What a store allows. The engine digests longer keys, refuses larger values and raises shorter TTLs. */
export interface StoreLimits {
  /** Longest key, in UTF-8 bytes. */
  maxKeyBytes: number;
  /** Largest value, in UTF-8 bytes. */
  maxValueBytes: number;
  /** Shortest TTL the store accepts, in ms (0: no minimum). */
  minTtl: number;
}

/** Options of a store write. */
export interface StoreSetOptions {
  /** Time to live in ms (finite, > 0); omitted: no expiry. */
  ttl?: number;
}

/**
 * A key-value store edgecache can put its records in: one of `stores.*`, or any object of
 * this shape. Keys and values are strings; every method returns a promise.
 */
export interface KvStore {
  /** Names the store in errors. Default "custom". */
  readonly name?: string;
  /** What the store allows; each omitted limit defaults to 1024-byte keys, 25 MiB values, no minimum TTL. */
  readonly limits?: Partial<StoreLimits>;
  /** The value stored at `key`, or null (or undefined) when there is none. */
  get(key: string): Promise<string | null | undefined>;
  /** Stores `value` at `key` (for `options.ttl` ms, or without expiry). */
  set(key: string, value: string, options: StoreSetOptions): Promise<void>;
  /** Removes `key` (no error when it is absent). */
  delete(key: string): Promise<void>;
  /** Several values in one round trip, in the order of `keys`. Only where the platform batches. */
  getMany?(keys: string[]): Promise<Array<string | null | undefined>>;
}

/** A store made by a `stores.*` factory: its name and limits are always there, reads are strings or null. */
export interface StoreAdapter extends KvStore {
  readonly name: "cloudflare-kv" | "deno-kv" | "redis" | "cache-api" | "memory";
  readonly limits: Readonly<StoreLimits>;
  get(key: string): Promise<string | null>;
  getMany?(keys: string[]): Promise<Array<string | null>>;
}

/** A {@link StoreAdapter} over a platform that reads many keys in one call. */
export interface BatchStoreAdapter extends StoreAdapter {
  getMany(keys: string[]): Promise<Array<string | null>>;
}

/** The parts of a Workers KV namespace binding (`env.MY_KV`) that `stores.cloudflareKV` uses. */
export interface KVNamespaceLike {
  get(key: string, options: { type: "text"; cacheTtl?: number }): Promise<string | null>;
  /** Bulk get: up to 100 keys. */
  get(keys: string[], options: { type: "text"; cacheTtl?: number }): Promise<Map<string, string | null>>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A part of a Deno KV key. */
export type DenoKvKeyPart = string | number | bigint | boolean | Uint8Array;

/** The parts of a `Deno.Kv` (from `Deno.openKv()`) that `stores.denoKV` uses. */
export interface DenoKvLike {
  get(key: readonly DenoKvKeyPart[]): Promise<{ value: unknown }>;
  set(key: readonly DenoKvKeyPart[], value: Uint8Array, options?: { expireIn?: number }): Promise<unknown>;
  delete(key: readonly DenoKvKeyPart[]): Promise<void>;
  /** At most 10 keys a call. */
  getMany(keys: readonly (readonly DenoKvKeyPart[])[]): Promise<ReadonlyArray<{ value: unknown }>>;
}

/**
 * A node-redis v4+ client (`await createClient().connect()`), or a cluster client
 * (`await createCluster({ rootNodes }).connect()`; its `getSlotMaster` is how it is recognised).
 */
export interface NodeRedisLike {
  get(key: string): Promise<unknown>;
  set(key: string, value: string, options?: { PX: number }): Promise<unknown>;
  del(key: string): Promise<unknown>;
  mGet(keys: string[]): Promise<unknown[]>;
}

/**
 * An ioredis client (`new Redis()`), or a cluster client (`new Cluster(nodes)`, recognised
 * by its `isCluster: true`); `getBuffer` is how ioredis is recognised.
 */
export interface IORedisLike {
  get(key: string): Promise<unknown>;
  set(key: string, value: string): Promise<unknown>;
  set(key: string, value: string, token: "PX", milliseconds: number): Promise<unknown>;
  del(key: string): Promise<unknown>;
  mget(keys: string[]): Promise<unknown[]>;
  getBuffer(key: string): Promise<unknown>;
}

/** An @upstash/redis client created with `automaticDeserialization: false`. */
export interface UpstashRedisLike {
  get(key: string): Promise<unknown>;
  set(key: string, value: string, options?: { px: number }): Promise<unknown>;
  del(...keys: string[]): Promise<unknown>;
  mget(...keys: string[]): Promise<unknown[]>;
}

/** The parts of a Cache API `Cache` (`caches.default`, `await caches.open(name)`) that `stores.cacheApi` uses. */
export interface CacheLike {
  match(request: string): Promise<Response | undefined>;
  put(request: string, response: Response): Promise<void>;
  delete(request: string): Promise<boolean>;
}

/** Options of `stores.denoKV`. */
export interface DenoKvStoreOptions {
  /** Key parts put before every key. Default ["edgecache"]. */
  prefix?: readonly DenoKvKeyPart[];
}

/** Options of `stores.redis`. */
export interface RedisStoreOptions {
  /** Which client this is; detected when omitted (mGet: node-redis, getBuffer: ioredis, mget: Upstash). */
  flavor?: "node-redis" | "ioredis" | "upstash";
  /**
   * Whether the client is a Redis Cluster client: then `getMany` sends one MGET per hash
   * slot (CRC16 of the key, or of its `{hash tag}`, mod 16384), all at once, since a cluster
   * refuses keys of several slots in one command (CROSSSLOT). Detected when omitted
   * (node-redis `createCluster`, ioredis `Cluster`).
   */
  cluster?: boolean;
  /**
   * How long (ms, from its first attempt) a command that failed at the connection level is
   * sent again, with a backoff of 25 ms doubling to 250 ms: its node died or was dropped
   * from the topology, the socket closed, was reset or timed out, the command went
   * unanswered past node-redis's `commandOptions.timeout`, CLUSTERDOWN, TRYAGAIN, a MOVED the
   * client did not follow. Rides out a cluster failover (a replica promoted);
   * safe because every command sent (GET, SET with PX, DEL, MGET) is idempotent. Error
   * replies that are answers (WRONGTYPE, OOM, NOAUTH ...) are never retried, nor is a client
   * its owner closed. Default 5000 (the cache's default `timeout`; keep the two alike) on a
   * node-redis cluster client, which retries none of these itself; 0 (off) otherwise:
   * ioredis retries itself (`retryDelayOnFailover`, `retryDelayOnClusterDown`). A finite
   * number >= 0.
   */
  failoverMs?: number;
}

/** Options of `stores.cacheApi`. */
export interface CacheApiStoreOptions {
  /** Absolute http(s) URL ending in "/" that keys are appended to, URL-encoded. Default "https://edgecache.invalid/". */
  baseUrl?: string;
}

/** Options of `stores.memory`. */
export interface MemoryStoreOptions {
  /** Clock in ms. Default `Date.now`. */
  now?: () => number;
}

// ---- coordinators: cross-isolate single flight ----

/**
 * A lease per key in a store that can compare-and-set, for the `coordinator` option: one of
 * `coordinators.*`, or any object of this shape. Workers KV alone cannot implement it: it has
 * no compare-and-set (and its writes take up to a minute to reach other locations); on
 * Workers use `coordinators.durableObject`.
 */
export interface Coordinator {
  /** Names the coordinator in errors. Default "custom". */
  readonly name?: string;
  /**
   * How long a lease lasts, in ms: after it, a waiter takes over from a holder that died.
   * Default: as long as a load may take (`loaderTimeout` + the store reads' bound) plus its
   * store write. Shorter leases take over sooner but may let a slow load run twice.
   */
  readonly leaseMs?: number;
  /**
   * Takes the lease of `key` for `ms` ms if nobody holds it (or its holder's lease expired):
   * a token (a non-empty string) when taken, null when another holds it.
   */
  acquire(key: string, ms: number): Promise<string | null>;
  /** Frees the lease of `key` if `token` still holds it (never another holder's). */
  release(key: string, token: string): Promise<void>;
}

/** A coordinator made by a `coordinators.*` factory. */
export interface CoordinatorAdapter extends Coordinator {
  readonly name: "redis" | "deno-kv" | "durable-object";
}

/** The parts of a Redis client `coordinators.redis` uses: node-redis v4+ or ioredis. */
export type RedisLeaseClient =
  | (Pick<NodeRedisLike, "mGet"> & { set(key: string, value: string, options: { NX: true; PX: number }): Promise<unknown>; eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown> })
  | (Pick<IORedisLike, "getBuffer"> & { set(key: string, value: string, px: "PX", ms: number, nx: "NX"): Promise<unknown>; eval(script: string, numKeys: number, ...args: string[]): Promise<unknown> });

/** The parts of a `Deno.Kv` that `coordinators.denoKV` uses. */
export interface DenoKvLeaseLike {
  get(key: readonly DenoKvKeyPart[]): Promise<{ value: unknown; versionstamp: string | null }>;
  atomic(): {
    check(...checks: Array<{ key: readonly DenoKvKeyPart[]; versionstamp: string | null }>): any;
  };
}

/** The parts of a Durable Object namespace binding that `coordinators.durableObject` uses. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: any): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

/**
 * Coordinators for the `coordinator` option. Each throws `E_CONFIG` when given something it
 * cannot use. `leaseMs`: see {@link Coordinator.leaseMs}.
 */
export declare const coordinators: {
  /** Redis (node-redis v4+ or ioredis): `SET key token NX PX ms` with a random token; released by a compare-and-delete `EVAL`. */
  readonly redis: (client: RedisLeaseClient, options?: { flavor?: "node-redis" | "ioredis"; leaseMs?: number }) => CoordinatorAdapter;
  /** Deno KV: `{ token, until }` at `[...prefix, key]` (default prefix ["edgecache-lease"]), taken with `atomic().check(entry)`. */
  readonly denoKV: (kv: DenoKvLeaseLike, options?: { prefix?: readonly DenoKvKeyPart[]; leaseMs?: number }) => CoordinatorAdapter;
  /** A Durable Object per key (`idFromName`), of the class {@link EdgeCacheLease} the Worker exports. */
  readonly durableObject: (namespace: DurableObjectNamespaceLike, options?: { leaseMs?: number }) => CoordinatorAdapter;
};

/**
 * The Durable Object class behind `coordinators.durableObject`. Export it from the Worker
 * (`export { EdgeCacheLease } from "edgecache";`) and bind it (wrangler: `durable_objects.bindings
 * = [{ name = "LEASES", class_name = "EdgeCacheLease" }]`, with a migration adding the class).
 */
export declare class EdgeCacheLease {
  /** Answers the coordinator's lease calls. */
  fetch(request: Request): Promise<Response>;
}

/**
 * Store adapters: each wraps a platform's key-value API as a {@link KvStore} and declares
 * the platform's limits. Each throws `E_CONFIG` when given something it cannot use.
 */
export declare const stores: {
  /** Workers KV: TTLs as `expirationTtl` (whole seconds, at least 60), getMany as bulk gets of 100. */
  /**
   * Workers KV. `cacheTtl` (ms, at least 60 000, else E_CONFIG): how long each location
   * keeps what it read, passed to every read (in whole seconds); default KV's 60 s.
   */
  readonly cloudflareKV: (namespace: KVNamespaceLike, options?: { cacheTtl?: number }) => BatchStoreAdapter;
  /** Deno KV: keys at `[...prefix, key]`, values as UTF-8 bytes, TTLs as `expireIn`, getMany in batches of 10. */
  readonly denoKV: (kv: DenoKvLike, options?: DenoKvStoreOptions) => BatchStoreAdapter;
  /** Redis through node-redis v4+, ioredis (either one's cluster client too) or @upstash/redis: TTLs as PX, getMany as one MGET (on a cluster, one per hash slot). */
  readonly redis: (client: NodeRedisLike | IORedisLike | UpstashRedisLike, options?: RedisStoreOptions) => BatchStoreAdapter;
  /** The Cache API: per data center and best effort (entries may vanish at any time). No getMany. */
  readonly cacheApi: (cache: CacheLike, options?: CacheApiStoreOptions) => StoreAdapter;
  /** An in-process map honouring TTLs, for tests and local development. */
  readonly memory: (options?: MemoryStoreOptions) => BatchStoreAdapter & {
    /** The live keys (for tests and debugging). */
    keys(): string[];
  };
};

// ---- EdgeCache: memory → store(s) → loader ----

/**
 * Several stores, sharded on a ketama ring: an array (ids "0", "1", ...) or a record of id → store.
 * Ids are ketama node ids: a name without ":" (e.g. "primary") or "host:port" (e.g. "10.0.1.1:6379").
 */
export type ShardedStores = KvStore[] | Record<string, KvStore>;

/** Options of {@link EdgeCache}. Times are ms. Unknown names are rejected with `E_CONFIG`. */
export interface EdgeCacheOptions {
  /** The store, or several (sharded). Omitted: a memory-only cache (still single-flight). */
  store?: KvStore | ShardedStores;
  /** Copies of each key across shards (1..16, default 1; only with several stores). */
  replicas?: number;
  /** Prefix isolating this cache's keys in shared stores (no ":"; default "ec"). */
  namespace?: string;
  /**
   * The memory tier's options (its clock and TTLs are the cache's), or false for none. Default
   * `{ maxEntries: 1000, maxBytes: 16 MiB }` in front of a store (sized for a 128 MB isolate;
   * bytes are the values' stored form), `{ maxEntries: 1000 }` without one; options with
   * neither `maxEntries` nor `maxBytes` get the defaults too.
   */
  memory?: Omit<MemoryOptions, "now" | "ttl" | "onEvict"> | false;
  /** Default time to live. Default 60 000. */
  ttl?: number;
  /** Longest time memory keeps an entry; also how often tag generations are re-read (default: ttl). */
  memoryTtl?: number;
  /** Serve stale this long past expiry while refreshing in the background. Default 0. */
  staleWhileRevalidate?: number;
  /** Serve stale this long past expiry when the store or loader fails. Default 0. */
  staleIfError?: number;
  /** 0..1: shorten each TTL by a random fraction up to this. Default 0. */
  jitter?: number;
  /** Probabilistic early refresh (XFetch); a number is beta. Default off. */
  earlyRefresh?: boolean | number | { beta?: number };
  /** Abandon a store call slower than this, in ms (at most 2^31 − 1; the read falls through). Default 5000. */
  timeout?: number;
  /** Seed (a whole number ≥ 1) of the cache's randomness (jitter, early refresh, write-behind retry spread), so that a run replays exactly; default: seeded from the platform on first use. */
  seed?: number;
  /** A loader unsettled after this many ms (at most 2^31 − 1) fails the call with E_LOADER (cause: a timeout), or serves stale within staleIfError. Default 30 000. */
  loaderTimeout?: number;
  /** "through" (default): set resolves once stored. "behind": set resolves once queued (waiting for room when the queue is full); the store is written in batches. */
  writeMode?: "through" | "behind";
  /** Write-behind queue: batch size, delay, bound and retries. */
  writeBehind?: WriteBehindOptions;
  /** Per-shard circuit breaker (only with several stores): open after `failures` (default 5) in a row, for `cooldown` ms (default 30 000). */
  circuitBreaker?: { failures?: number; cooldown?: number };
  /** Hands background work (refreshes, store writes) to the platform, e.g. `ctx.waitUntil.bind(ctx)`. */
  waitUntil?: (promise: Promise<unknown>) => void;
  /** Clock in ms for TTLs. Default `Date.now`. */
  now?: () => number;
  /** Called for every event; a throwing handler is ignored. Without it the memory tier collects nothing for `evict` events. */
  onEvent?: (event: CacheEvent) => void;
  /**
   * How values become the store's records and back, for types JSON cannot carry. Default JSON.
   * Every tier answers with `deserialize(serialize(value))`, so a value read from this isolate's
   * memory has the shape another isolate gets from the store.
   */
  serializer?: Serializer;
  /**
   * Cross-isolate single flight: on a store miss, the isolate that takes the key's lease
   * calls the loader and writes the store; the others poll the store (5 ms, doubling up to
   * 50 ms) and serve its value. One of `coordinators.*`; Workers KV cannot be one (no
   * compare-and-set). Needs a store. A coordinator that fails or hangs (past `timeout`) is an
   * `error` event (tier "coordinator") and the isolate loads on its own.
   */
  coordinator?: Coordinator;
  /** The sliding window of `stats().window` and of the alert rules: `window` ms (default 60 000; 0 keeps none). */
  stats?: { window?: number };
  /** Alert rules judged over the sliding window; each change is an `alert` event. */
  alerts?: AlertRules;
  /**
   * Tells the caches of other isolates (same namespace) this one's deletes, sets, tag
   * invalidations and clears, and drops theirs from this isolate's memory at once instead of
   * after `memoryTtl`. A failing bus only brings back the `memoryTtl` bound (`error` events,
   * tier "bus"). `buses.redis(client)`, `buses.broadcastChannel(name)`, `buses.denoKV(kv)`,
   * `buses.durableObject(env.BUS)` (Workers), or your own.
   */
  bus?: Bus;
}

// ---- buses: memory invalidation across isolates ----

/**
 * A channel between the caches of several isolates: a message published by one reaches the
 * others (and may reach the publisher's own: it is ignored). Messages are small strings;
 * delivery may be lost (the `memoryTtl` bound then holds). Either pushed ({@link PushBus}:
 * the bus calls the cache) or pulled ({@link PullBus}: the cache asks, as on Workers).
 */
export type Bus = PushBus | PullBus;

/**
 * A bus that delivers messages as they come (Redis pub/sub, BroadcastChannel, a WebSocket hub).
 * @example
 * const bus: PushBus = {
 *   publish: (message) => hub.send(message),
 *   subscribe: (onMessage, onError) => hub.listen(onMessage, onError),
 * };
 */
export interface PushBus {
  /** Sends `message` to every subscriber. Never awaited by a cache call; given up after `timeout` ms. */
  publish(message: string): Promise<void> | void;
  /**
   * Starts delivering messages to `onMessage`; `onError` (optional to call) reports the
   * subscription's failures as `error` events. Returns the function that ends it (called by
   * `dispose`, which awaits the promise it may return, within `timeout`).
   */
  subscribe(onMessage: (message: string) => void, onError?: (error: unknown) => void): () => void | Promise<void>;
}

/**
 * A bus the cache asks for news, where nothing can call it back (a Worker isolate keeps no
 * connection across requests): every `pollMs` of the cache's clock, one of its calls starts
 * `poll(poller)` in the background (handed to `waitUntil`, awaited by `flush()`).
 */
export interface PullBus {
  /** Sends `message` to the bus. Never awaited by a cache call; given up after `timeout` ms. */
  publish(message: string): Promise<void> | void;
  /**
   * The messages published since `poller`'s previous poll, or `null` when some were lost:
   * the cache then empties its memory tier. On its first, those of a recent while (the
   * cache's reads begun before that poll answered may have found copies they replace).
   * One bus object may be given to several caches: each polls as a `poller` of its own
   * (keep a cursor per poller). Given up after `timeout` ms.
   */
  poll(poller: object): Promise<string[] | null>;
  /** How often the cache polls (ms of its clock, 1 to 2^31 − 1). */
  readonly pollMs: number;
}

/** A node-redis v4+ or ioredis client, as a Redis bus uses it. */
export interface RedisPubSubLike {
  publish(channel: string, message: string): Promise<unknown>;
  subscribe(...args: unknown[]): unknown;
  unsubscribe(...args: unknown[]): unknown;
  duplicate(): unknown;
}

/** Options of {@link buses.redis}. */
export interface RedisBusOptions {
  /** The channel. Default "edgecache". */
  channel?: string;
  /**
   * A connected client used only to subscribe, left open (you close it). Default: a
   * `client.duplicate()` made, connected and closed (on `dispose`) by the bus.
   */
  subscriber?: RedisPubSubLike;
}

/** The parts of a `Deno.Kv` (from `Deno.openKv()`) that `buses.denoKV` uses. */
export interface DenoKvBusLike {
  get(key: readonly DenoKvKeyPart[]): Promise<{ value: unknown; versionstamp: string | null }>;
  list(selector: { prefix: readonly DenoKvKeyPart[]; end: readonly DenoKvKeyPart[] } | { start: readonly DenoKvKeyPart[]; end: readonly DenoKvKeyPart[] }, options?: { reverse?: boolean }): AsyncIterable<{ key: readonly unknown[]; value: unknown }>;
  atomic(): {
    check(...checks: Array<{ key: readonly DenoKvKeyPart[]; versionstamp: string | null }>): any;
  };
  /** Used when present: wakes a subscriber at once where it sees the writes. */
  watch?(keys: readonly (readonly DenoKvKeyPart[])[]): ReadableStream<unknown>;
}

/** Options of {@link buses.denoKV}. */
export interface DenoKvBusOptions {
  /** The key prefix of the bus's entries (caches meant to hear each other share it). Default ["edgecache", "bus"]. */
  prefix?: readonly DenoKvKeyPart[];
  /**
   * How often (ms) a subscriber reads the sequence entry besides its watch. Default 100.
   * `kv.watch` does not see other processes' writes to a local file; on Deno Deploy it
   * sees every isolate's, and 0 (the watch alone) saves the reads.
   */
  pollMs?: number;
  /** How long (ms) each message is kept for subscribers to read. Default 60 000. */
  expireInMs?: number;
}

/** Bus adapters. */
export declare const buses: {
  /**
   * Redis pub/sub through node-redis v4+ or ioredis: PUBLISH on `client` (yours, left open),
   * SUBSCRIBE on `options.subscriber` or on a duplicate of `client`. Messages sent while the
   * subscriber reconnects are lost.
   */
  readonly redis: (client: RedisPubSubLike, options?: RedisBusOptions) => PushBus;
  /**
   * BroadcastChannel `name`: between workers of one process (Node, Deno), tabs and workers of
   * one origin (browsers), and caches of one isolate. Not in workerd (E_CONFIG there).
   */
  readonly broadcastChannel: (name: string) => PushBus;
  /**
   * A Durable Object of the class {@link EdgeCacheBus} (`idFromName(name)`, default name
   * "edgecache"), for Workers: a pull bus that each cache polls every `pollMs` (default
   * 1000, at most 300 000) of its clock. One object serves every isolate that shares `name`.
   */
  readonly durableObject: (namespace: DurableObjectNamespaceLike, options?: { name?: string; pollMs?: number }) => PullBus;
  /**
   * Deno KV: each publish appends to a log in `kv` (a sequence entry raised atomically with
   * the message's entries, which expire); subscribers read the entries after the last one
   * they applied when `kv.watch` wakes them and every `pollMs`. Between the processes that
   * open one Deno KV file, or the isolates of Deno Deploy. Dispose the cache: its watch
   * keeps a Deno process running.
   */
  readonly denoKV: (kv: DenoKvBusLike, options?: DenoKvBusOptions) => PushBus;
};

/**
 * The Durable Object class behind `buses.durableObject`: the last 1000 messages of the last
 * 5 minutes (at most 4 Mi characters), in memory (an isolate's first poll gets those of the
 * last 30 s). Export it from the Worker (`export { EdgeCacheBus } from
 * "edgecache";`) and bind it (wrangler: `durable_objects.bindings = [{ name = "BUS",
 * class_name = "EdgeCacheBus" }]`, with a migration adding the class).
 */
export declare class EdgeCacheBus {
  /** Answers the bus's publish and poll calls. */
  fetch(request: Request): Promise<Response>;
}

/**
 * Alert rules. A rule is judged once per twelfth of the window (on a read or write, no
 * timer) and only with at least `minSamples` samples in the window. It fires once when
 * broken, and resolves once it holds again with a margin (1 point for rates and usage, 5 %
 * for latency), changing state at most once per `cooldown`.
 */
export interface AlertRules {
  /** Fires when `hitRate` over the window falls below this (0..1). */
  minHitRate?: number;
  /** Fires when a tier's latency percentile rises above this many ms: a number is the store's p99. */
  maxLatency?: number | { memory?: number; store?: number; loader?: number; /** (0, 1], default 0.99 */ percentile?: number };
  /** Fires when the memory tier holds more than this share (0..1) of its bound (`MemoryCache.usage`). */
  maxMemoryUsage?: number;
  /** Fires when `errorRate` over the window rises above this (0..1). */
  maxErrorRate?: number;
  /** Least samples in the window before a rule is judged (default 100): reads, calls or latency samples. */
  minSamples?: number;
  /** The window's length (ms); the same as `stats.window` (give either). */
  window?: number;
  /** Least time between two state changes of one rule (ms, default 0). */
  cooldown?: number;
}

/** One alert rule as events and stats name it. */
export type AlertRuleName = "minHitRate" | "maxLatency" | "maxMemoryUsage" | "maxErrorRate";

/** Turns values into text and back (e.g. `{ serialize: devalue.stringify, deserialize: devalue.parse }`). */
export interface Serializer {
  /** The value as text; throwing (or returning a non-string) refuses the value with E_VALUE. */
  serialize(value: unknown): string;
  /** The value back from its text; throwing makes a record corrupt (a miss). */
  deserialize(text: string): unknown;
}

/** The write-behind queue's options. */
export interface WriteBehindOptions {
  /** Writes per batch (1..1000, default 25). */
  maxBatch?: number;
  /** Longest a write waits for its batch, ms (default 50). */
  maxDelay?: number;
  /** Keys queued at most; a set waits for room beyond it (default 10 000). */
  maxQueue?: number;
  /** Retries of a failed write before it is dead-lettered (0..20, default 3). */
  retries?: number;
  /** First retry delay, ms, doubling per attempt (default 100). */
  retryDelay?: number;
}

/** A tier that answers reads. */
export type ReadTier = "memory" | "store";

/** A store call, as events name it. */
export type StoreOp = "get" | "getMany" | "set" | "delete";

/** A read a tier answered with a value it holds, fresh (or drawn for an early refresh). */
export interface HitEvent {
  type: "hit";
  key: string;
  tier: ReadTier;
}

/** A read a tier held nothing usable for (absent, expired, invalidated, or past serving). */
export interface MissEvent {
  type: "miss";
  key: string;
  tier: ReadTier;
}

/**
 * A value served past its expiry: by a tier inside `staleWhileRevalidate` (`tier`), or
 * inside `staleIfError` because the store or the loader failed (`reason: "error"`, no `tier`).
 */
export interface StaleEvent {
  type: "stale";
  key: string;
  tier?: ReadTier;
  reason?: "error";
}

/** A background refresh started (stale-while-revalidate, early refresh). */
export interface RefreshEvent {
  type: "refresh";
  key: string;
}

/** A loader call started. */
export interface LoadEvent {
  type: "load";
  key: string;
  tier: "loader";
}

/**
 * Something failed. A loader's failure: `tier: "loader"`, `key`, `error`. A store call's:
 * `tier: "store"`, `op`, `error`, `key` (none for a batch read; the tag, for a tag's write), and
 * `shard` on a sharded cache. A record that cannot be read: `tier: "store"`, `key`, `reason`
 * ("unreadable record", "record of another key"), no `error`. A tag's generation that cannot be
 * read: `tier: "store"`, `tag`, `reason: "unreadable tag generation"`. A background task's
 * failure reported nowhere else: `error` alone.
 */
export interface ErrorEvent {
  type: "error";
  key?: string;
  /**
   * "coordinator": a lease call failed or timed out (`op` "acquire" or "release"); the call went on without it.
   * "bus": a publish that failed or took longer than `timeout`, the subscriber's failure, an unparsable message (reported once).
   */
  tier?: "store" | "loader" | "coordinator" | "bus";
  op?: StoreOp | "acquire" | "release";
  /** The shard's id, for store calls of a sharded cache. */
  shard?: string;
  tag?: string;
  reason?: "unreadable record" | "record of another key" | "unreadable tag generation" | "unreadable clear epoch"
    | "publish failed" | "subscriber failed" | "subscribe threw" | "unsubscribe threw" | "unparsable message";
  error?: unknown;
}

/** A store call abandoned after `timeout` (or, queued behind, after 4 × `timeout`). */
export interface TimeoutEvent {
  type: "timeout";
  tier: "store";
  op: StoreOp;
  /** The key (none for a batch read; the tag, for a tag's write). */
  key?: string;
  /** The shard's id, on a sharded cache. */
  shard?: string;
  error: unknown;
}

/** A write-behind write given up after its retries. */
export interface DeadLetterEvent {
  type: "dead-letter";
  key: string;
  op: "set" | "delete";
  /** The value of a `set`; undefined for a `delete`. */
  value: unknown;
  /** The last attempt's error. */
  error: unknown;
  attempts: number;
}

/** An entry left the memory tier (see {@link EvictionReason}). */
export interface EvictEvent {
  type: "evict";
  key: string;
  tier: "memory";
  reason: EvictionReason;
}

/** An alert rule started or stopped firing (see the `alerts` option). */
export interface AlertEvent {
  type: "alert";
  rule: AlertRuleName;
  /** The tier whose latency it watches (`maxLatency` only). */
  tier?: "memory" | "store" | "loader";
  state: "firing" | "resolved";
  /** The value the rule saw. */
  value: number;
  threshold: number;
  /** The window it was measured over, in ms. */
  window: number;
}

/** Something the cache did, reported to `onEvent`: narrow on `type`. */
export type CacheEvent =
  | HitEvent
  | MissEvent
  | StaleEvent
  | RefreshEvent
  | LoadEvent
  | ErrorEvent
  | TimeoutEvent
  | DeadLetterEvent
  | EvictEvent
  | AlertEvent;

/** Per-call options of getOrSet. */
export interface GetOrSetOptions {
  ttl?: number;
  tags?: string[];
  staleWhileRevalidate?: number;
  staleIfError?: number;
  /** Skip memory and store: call the loader and store its value. */
  forceRefresh?: boolean;
  /** This call's loader time limit in ms (default: the cache's `loaderTimeout`). */
  loaderTimeout?: number;
}

/** Per-call options of set. */
export type SetOptions = Omit<GetOrSetOptions, "forceRefresh" | "loaderTimeout">;

/**
 * What a loader (of getOrSet, wrap, warm) is called with. Calls made once the loader has
 * settled (returned, thrown, or its promise settled) change nothing. A loader that takes
 * no argument ignores it.
 * @example
 * const user = await cache.getOrSet(["user", id], async (ctx) => {
 *   const row = await db.user(id);
 *   if (row === null) ctx.skip();          // "not found" is answered, not cached
 *   else ctx.setTtl(row.cacheSeconds * 1000);
 *   return row;
 * });
 */
export interface LoaderContext {
  /** Return the value to the caller(s) without caching it in any tier (a refresh that skips keeps the entry it refreshed). */
  skip(): void;
  /** Cache this value for `ms` instead of the call's `ttl`; `ms` as the `ttl` option takes it (a finite number > 0), else throws E_ARGUMENT. */
  setTtl(ms: number): void;
}

/** One entry to warm: a value, or a loader to call. */
export type WarmEntry<V> = { key: Key } & SetOptions & (
  | { value: V; loader?: undefined }
  | { loader: (ctx: LoaderContext) => V | Promise<V>; value?: undefined }
);

/** What warm did. */
export interface WarmReport {
  total: number;
  warmed: number;
  /** Already fresh in memory or the store, or set or deleted while being warmed. */
  skipped: number;
  failed: number;
  errors: Array<{ key: unknown; error: unknown }>;
  elapsedMs: number;
}

/** What flush waited for. */
export interface FlushReport {
  /** Background tasks settled since the cache was made (refreshes, store writes, repairs). */
  settled: number;
  /** Of those, failed (each also reported as an "error" event). */
  failed: number;
  /** Tasks given up on since the cache was made: still unsettled past their bound (cancelled with their request, in workerd without waitUntil). */
  abandoned: number;
  /** With writeMode "behind": what the queue did between the call and its end. */
  writeBehind?: { written: number; deadLetters: number; retries: number; batches: number };
}

/** Latency of a tier (ms), from a fixed-bucket histogram that merges by adding. */
export interface Latency {
  count: number;
  /** Sum of the samples (ms). */
  sum: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  /** Samples per bucket, up to the last non-empty one: bucket i holds samples up to `latencyBounds()[i]` ms. */
  buckets: number[];
}

/** The write-behind queue's statistics. */
export interface WriteBehindStats {
  depth: number;
  oldestAgeMs: number;
  batches: number;
  retries: number;
  deadLetters: number;
  written: number;
}

/**
 * Counters of a stretch of time (the lifetime, or the sliding window). `hitRate` is reads
 * answered from memory or the store, fresh or stale, per read; `errorRate` is failed store
 * reads, store writes and loader calls per such call. Rates have four decimals, times are ms
 * to the microsecond.
 */
export interface Totals {
  hitRate: number;
  errorRate: number;
  /** Reads (get, getOrSet, wrap): memory-tier reads, or store reads without a memory tier. */
  reads: number;
  /** Store reads, store writes and loader calls. */
  calls: number;
  memory: {
    hits: number;
    misses: number;
    staleServed: number;
    /** (hits + staleServed) / memory reads. */
    hitRate: number;
    backfills: number;
    latency: Latency;
  };
  store: {
    hits: number;
    misses: number;
    staleServed: number;
    /** (hits + staleServed) / records looked up (failed reads not included). */
    hitRate: number;
    /** Failed reads, each replica's (not timeouts). */
    errors: number;
    /** Reads abandoned after `timeout`. */
    timeouts: number;
    /** Records that failed to parse or carried another key. */
    corrupt: number;
    /** Records written or deleted. */
    writes: number;
    /** Failed writes and deletes, timed out ones included. */
    writeErrors: number;
    latency: Latency;
  };
  loader: {
    loads: number;
    errors: number;
    inFlight: number;
    refreshes: number;
    staleIfError: number;
    latency: Latency;
  };
}

/** A firing alert rule. */
export interface FiringAlert {
  rule: AlertRuleName;
  /** For maxLatency: the tier. */
  tier?: "memory" | "store" | "loader";
  /** The value it was last judged on. */
  value: number;
  threshold: number;
  /** Since when it fires (the cache's clock, ms). */
  since: number;
}

/** {@link EdgeCache.stats}: lifetime totals at the top, the sliding window's in `window`. */
export interface CacheStats extends Totals {
  memory: Totals["memory"] & {
    /** The memory tier's occupancy and removals (its own hit counters are the tiered reads' above). */
    tier?: Omit<TierStats, "hits" | "misses" | "hitRate">;
    /** How full the memory tier is (0..1, see MemoryCache.usage). */
    usage?: number;
  };
  /** The same totals over the last `length` ms (absent with `stats: { window: 0 }`). */
  window?: Totals & { length: number };
  /** The alert rules firing now. */
  alerts: FiringAlert[];
  /** Per shard of a sharded cache. */
  shards?: Record<string, ShardStats>;
  writeBehind?: WriteBehindStats;
}

/** {@link EdgeCache.report}: the monitor's summary over the window (the lifetime without one). */
export interface MonitorReport {
  namespace: string;
  /** The window's length (ms), or null without one. */
  window: number | null;
  reads: number;
  hitRate: { overall: number; memory: number; store: number };
  latency: Record<"memory" | "store" | "loader", { p50: number; p95: number; p99: number; samples: number }>;
  /** The memory tier's entries, bytes and share of its bound; null without a memory tier. */
  memory: { entries: number; bytes: number; usage: number } | null;
  errors: { rate: number; store: number; timeouts: number; writes: number; loader: number };
  alerts: FiringAlert[];
  /** A few lines of text. */
  toString(): string;
}

/** {@link EdgeCache.snapshot}: counts and histograms as JSON-safe numbers, merged by {@link mergeStats}. */
export interface StatsSnapshot {
  version: 1;
  windowLength: number;
  lifetime: number[];
  window: number[] | null;
}

/**
 * Several caches' snapshots (from other isolates, sent as JSON) added up. The histograms
 * merge by adding, so the percentiles are those of one cache fed every stream. Throws
 * E_ARGUMENT for anything but snapshots, or windows of different lengths.
 */
export declare function mergeStats(snapshots: StatsSnapshot[]): { lifetime: Totals; window?: Totals & { length: number } };

/** The upper bound (ms) of each latency bucket (quarter octaves from 0.01 ms). */
export declare function latencyBounds(): number[];

/** One shard's counters. */
export interface ShardStats {
  reads: number;
  hits: number;
  errors: number;
  timeouts: number;
  repairs: number;
  skippedWhileOpen: number;
  /** Whether its circuit breaker is open now. */
  open: boolean;
}

/** A tiered cache-aside engine: memory → store(s) → loader, with single flight. */
export declare class EdgeCache<V = unknown> {
  constructor(options?: EdgeCacheOptions);
  /** The value from memory or the store, or undefined. Never calls a loader; never rejects for a store failure. */
  get(key: Key): Promise<V | undefined>;
  /** Stores in memory and the store (write-through; rejects E_STORE / E_VALUE when the store cannot take it, the value stays in memory). */
  set(key: Key, value: V, options?: SetOptions): Promise<void>;
  /** Removes from memory and the store; whether either held it. */
  delete(key: Key): Promise<boolean>;
  /**
   * The values of `keys` in order (`undefined` where none): memory first, then one batched
   * store read for the misses (where the store has getMany). Never calls a loader.
   */
  getMany(keys: Key[]): Promise<Array<V | undefined>>;
  /**
   * Sets every entry as `set` does (all are checked before any is written). Resolves once
   * all are stored; if any failed, rejects with the first failure in the entries' order,
   * once all have settled.
   */
  setMany(entries: Array<{ key: Key; value: V } & SetOptions>): Promise<void>;
  /**
   * Whether `get` would find a value (fresh, or stale inside staleWhileRevalidate) in memory
   * or the store. Calls no loader, reads only the record's header, counts nothing.
   */
  has(key: Key): Promise<boolean>;
  /**
   * Removes every entry of the namespace without listing keys: this isolate's memory at
   * once; the store's records by raising the namespace's clear epoch, which other isolates
   * re-read within memoryTtl (else ttl). Rejects E_STORE when the store could not take it.
   */
  clear(): Promise<void>;
  /**
   * The value; on a miss `loader(ctx)` is called once for all concurrent callers and its
   * value cached (`ctx.skip()`: returned, not cached; `ctx.setTtl(ms)`: cached for `ms`).
   * `T` is inferred from the loader (`cache.getOrSet("k", async () => user)` is a
   * `Promise<User>`) or given (`cache.getOrSet<User>("k", load)`); it must fit the cache's `V`.
   */
  getOrSet<T extends V = V>(key: Key, loader: (ctx: LoaderContext) => T | Promise<T>, options?: GetOrSetOptions): Promise<T>;
  /**
   * Memoises `fn` under `options.key(...args)`; `fn` is called with the {@link LoaderContext}
   * as `this`. `R` is inferred from `fn` or given (`cache.wrap<User>(fn, { key })`; given
   * alone, the arguments are not checked).
   */
  wrap<R extends V = V, A extends unknown[] = any[]>(
    fn: (this: LoaderContext, ...args: A) => R | Promise<R>,
    options: { key: (...args: A) => Key } & GetOrSetOptions,
  ): (...args: A) => Promise<R>;
  /** Makes every entry written under any of `tags` a miss (here at once, elsewhere within memoryTtl). */
  invalidateTags(tags: string[]): Promise<void>;
  /** Preloads entries, at most `concurrency` (default 4) at once; skips keys already fresh. */
  warm(entries: Iterable<WarmEntry<V>>, options?: { concurrency?: number; onProgress?: (done: number, total: number) => void }): Promise<WarmReport>;
  /**
   * Adds a store to the ring (caches made with an array or record of stores; otherwise `E_CONFIG`).
   * A bad or duplicate id throws `E_ARGUMENT`.
   */
  addStore(id: string, store: KvStore): void;
  /** Removes a store from the ring; whether it was there. Removing the last store throws `E_ARGUMENT`. */
  removeStore(id: string): boolean;
  /** Resolves when background work and queued writes have settled. */
  flush(): Promise<FlushReport>;
  /** Counters, hit rates and latency per tier, lifetime and over the sliding window; firing alerts; shards; write-behind. */
  stats(): CacheStats;
  /** The monitor's summary over the window; `String(report)` is a few lines of text. */
  report(): MonitorReport;
  /** Counts and latency histograms as JSON-safe numbers, to merge with other caches' ({@link mergeStats}). */
  snapshot(): StatsSnapshot;
  /**
   * `stats()` as Prometheus text exposition (format 0.0.4), for a `/metrics` route:
   * `edgecache_*` lifetime counters (`_total`) and gauges, every sample labelled with the
   * `namespace` option ("ec" by default), latency histograms `edgecache_latency_seconds{tier}`.
   * The names are listed in README "Metrics".
   * @example
   * if (url.pathname === "/metrics") return new Response(cache.metrics(), { headers: { "content-type": "text/plain; version=0.0.4" } });
   */
  metrics(): string;
  /**
   * Lets running calls end, flushes, then frees the cache's wasm memory at once (call it on a
   * cache made per request). Later calls reject or throw `E_DISPOSED`. Also `await using`.
   */
  dispose(): Promise<FlushReport>;
  [Symbol.asyncDispose](): Promise<void>;
}

// ---- exporters: stats() for other monitoring systems (EdgeCache.metrics() is Prometheus) ----

/** An instrument made by a {@link MeterLike}: passed back to it, never read. */
export type ObservableLike = object;

/**
 * The parts of an `@opentelemetry/api` `Meter` (`metrics.getMeter(name)`) that
 * `exporters.openTelemetry` uses: pass the Meter itself. edgecache depends on no
 * OpenTelemetry package.
 */
export interface MeterLike {
  createObservableCounter(name: string, options?: { description?: string; unit?: string }): ObservableLike;
  createObservableGauge(name: string, options?: { description?: string; unit?: string }): ObservableLike;
  addBatchObservableCallback(callback: (result: { observe(observable: ObservableLike, value: number, attributes?: Record<string, string>): void }) => void, observables: ObservableLike[]): void;
  removeBatchObservableCallback(callback: (result: { observe(observable: ObservableLike, value: number, attributes?: Record<string, string>): void }) => void, observables: ObservableLike[]): void;
}

/**
 * A Workers Analytics Engine data point, for `env.DATASET.writeDataPoint()`.
 * blob1: the namespace; blob2: the alerts firing ("rule" or "rule:tier", comma-separated; ""
 * when none); then the caller's blobs. Doubles, in order (Δ: the change since the cache's
 * previous point; the rest are values now; 0 where the cache has no such part):
 * 1 memory hits Δ, 2 memory stale served Δ, 3 memory misses Δ, 4 store hits Δ, 5 store stale
 * served Δ, 6 store misses Δ, 7 store errors Δ, 8 store timeouts Δ, 9 store calls timed Δ,
 * 10 their latency sum (ms) Δ, 11 loads Δ, 12 load errors Δ, 13 loads timed Δ, 14 their
 * latency sum (ms) Δ, 15 loads in flight, 16 memory entries, 17 memory usage (0..1),
 * 18 memory capacity evictions Δ, 19 write-behind queue depth, 20 write-behind dead letters Δ.
 */
export interface AnalyticsEngineDataPoint {
  indexes: [string];
  blobs: string[];
  doubles: number[];
}

/** Options of `exporters.analyticsEngine`. Unknown names are rejected with `E_ARGUMENT`. */
export interface AnalyticsEngineOptions {
  /** The sampling key (at most 96 UTF-8 bytes). Default: the cache's namespace ("ec" by default). */
  index?: string;
  /** Dimensions of your own after the cache's two, e.g. `[request.cf.colo]` (at most 18 strings; 16 KB of blobs in all). */
  blobs?: string[];
}

/**
 * Exporters of an EdgeCache's stats to other monitoring systems. Each throws `E_ARGUMENT`
 * for something that is not an EdgeCache, or bad options.
 */
export declare const exporters: {
  /**
   * Observes `cache` through an OpenTelemetry `meter`: one `stats()` per collection, read by
   * one batch callback. Counters are ObservableCounters of lifetime totals and states are
   * ObservableGauges, named as in README "Metrics" (`edgecache.reads`, ...), with
   * attributes `namespace`, `tier`, `result`, `reason`, `shard`, `rule`. The API has no
   * observable histogram, so latency is gauges of percentiles per tier:
   * `edgecache.latency.p50`, `.p95`, `.p99`, `.max` (seconds). Nothing is observed once
   * the cache is disposed. Returns a function that stops observing.
   * @example
   * const stop = exporters.openTelemetry(cache, metrics.getMeter("shop"));
   */
  readonly openTelemetry: (cache: EdgeCache<unknown>, meter: MeterLike) => () => void;
  /**
   * `cache`'s numbers as one Workers Analytics Engine data point (see
   * {@link AnalyticsEngineDataPoint} for the order of blobs and doubles). Counters are the
   * change since this cache's previous point, so rows add up: `SUM(_sample_interval * double4)`
   * is store hits across isolates and time.
   * @example
   * env.CACHE_STATS.writeDataPoint(exporters.analyticsEngine(cache, { blobs: [request.cf.colo] }));
   */
  readonly analyticsEngine: (cache: EdgeCache<unknown>, options?: AnalyticsEngineOptions) => AnalyticsEngineDataPoint;
};
