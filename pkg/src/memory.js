import { MemoryEngine } from "../dist/edgecache.js";
import { fail, typeName } from "./errors.js";
import { keyHash, toKey } from "./keys.js";
import { jsonBytes } from "./values.js";
import { coarseNow } from "./clock.js";

const HIT = 1;
const NO_SLOT = 0xffffffff;
const EVICTED_UNIT = 4294967296;

/**
 * The in-isolate memory tier on its own: synchronous, bounded by entries and/or bytes,
 * with TTLs from an injectable clock. The Rust engine decides (order, admission, expiry,
 * byte accounting, stats); this class keeps the keys and values, so a read crosses into
 * wasm with two numbers and values come back exactly as stored.
 */
export class MemoryCache {
  #engine;
  #now;
  /** key -> slot */
  #slots = new Map();
  /** slot -> key */
  #keys = [];
  /** slot -> value */
  #values = [];
  #needsSizes;
  #needsHashes;
  /** Reads of keys not held at all (the engine counts the rest). */
  #absentMisses = 0;

  /**
   * @param {object} [options] maxEntries, maxBytes, ttl, policy ("lru" | "tinylfu"), now
   */
  constructor(options) {
    this.#engine = new MemoryEngine(options);
    this.#now = options?.now ?? coarseNow;
    this.#needsSizes = this.#engine.needsSizes();
    this.#needsHashes = this.#engine.needsHashes();
  }

  /** The value for `key`, or `undefined`; a hit makes the entry most recent. */
  get(key) {
    const slot = this.#slots.get(toKey(key));
    if (slot === undefined) {
      this.#absentMisses++;
      return undefined;
    }
    if (this.#engine.get(slot, this.#now()) === HIT) return this.#values[slot];
    this.#forget(slot);
    return undefined;
  }

  /** The value for `key`, or `undefined`, without touching recency or stats. */
  peek(key) {
    const slot = this.#slots.get(toKey(key));
    if (slot === undefined) return undefined;
    if (this.#engine.peek(slot, this.#now()) === HIT) return this.#values[slot];
    this.#forget(slot);
    return undefined;
  }

  /** Whether `key` holds a live (unexpired) entry; does not touch recency or stats. */
  has(key) {
    return this.peek(key) !== undefined;
  }

  /**
   * Stores `value` under `key`. `ttl` (ms) overrides the default; `size` (bytes) overrides
   * the JSON byte length used when `maxBytes` is set. A value larger than `maxBytes` is not
   * stored (and any older value for the key is dropped).
   */
  set(key, value, options) {
    const k = toKey(key);
    if (value === undefined) {
      fail("E_VALUE", "set: value is undefined; use delete(key) to remove an entry, or store null");
    }
    let ttl;
    let size;
    if (options !== undefined) ({ ttl, size } = entryOptions(options));
    if (size === undefined) size = this.#needsSizes ? jsonBytes(value) : 0;
    const now = this.#now();
    const held = this.#slots.get(k);
    const packed =
      held === undefined
        ? this.#engine.insert(this.#needsHashes ? keyHash(k) : 0, size, ttl, now)
        : this.#engine.update(held, size, ttl, now);
    const slot = packed >>> 0;
    const evicted = (packed - slot) / EVICTED_UNIT;
    for (let i = 0; i < evicted; i++) this.#forget(this.#engine.evictedAt(i));
    if (slot === NO_SLOT) {
      if (held !== undefined) this.#forget(held);
      return;
    }
    this.#values[slot] = value;
    if (held === undefined) {
      this.#keys[slot] = k;
      this.#slots.set(k, slot);
    }
  }

  /** Removes `key`; whether a live entry was there. */
  delete(key) {
    const slot = this.#slots.get(toKey(key));
    if (slot === undefined) return false;
    const live = this.#engine.delete(slot, this.#now());
    this.#forget(slot);
    return live;
  }

  /** Removes every entry (stats are kept). */
  clear() {
    this.#engine.clear();
    this.#slots.clear();
    this.#keys.length = 0;
    this.#values.length = 0;
  }

  /** Entries held (expired ones count until they are touched or evicted). */
  get size() {
    return this.#slots.size;
  }

  /** Sum of the sizes of the entries held. */
  get bytes() {
    return this.#engine.bytes();
  }

  /** Hits, misses, hit rate, sets, deletes, evictions (and by reason), expirations, rejected, size, bytes. */
  stats() {
    return this.#engine.stats(this.#absentMisses);
  }

  #forget(slot) {
    this.#slots.delete(this.#keys[slot]);
    this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
  }
}

function entryOptions(options) {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    fail("E_ARGUMENT", `set: options must be an object such as { ttl: 60000 }, got ${typeName(options)}`);
  }
  for (const name in options) {
    if (name !== "ttl" && name !== "size") {
      fail("E_ARGUMENT", `set: unknown option "${name}"; the options are ttl, size`);
    }
  }
  const { ttl, size } = options;
  if (ttl !== undefined && typeof ttl !== "number") {
    fail("E_ARGUMENT", `set: ttl must be a number of milliseconds, got ${typeName(ttl)}`);
  }
  if (size !== undefined && typeof size !== "number") {
    fail("E_ARGUMENT", `set: size must be a number of bytes, got ${typeName(size)}`);
  }
  return { ttl, size };
}
