import { EvictReason, Lookup, MemoryEngine } from "../dist/edgecache.js";
import { fail, failDisposed, typeName } from "./errors.js";
import { keyHash, toKey } from "./keys.js";
import { plainOptions, readOnce } from "./plain_options.js";
import { jsonBytes } from "./values.js";
import { checkedClock, coarseNow } from "./clock.js";
import { wasmBuffer } from "./ready.js";

const HIGH_UNIT = 4294967296;
/** The slot `insert`/`update` answer when nothing is stored; read from the engine when the
 * first cache is made (the wasm module is not ready while this file is imported). */
let NO_SLOT;
/** What `onEvict` is told, by the engine's reason. */
const REASON_NAMES = Object.freeze({
  [EvictReason.Capacity]: "capacity",
  [EvictReason.Expired]: "expired",
  [EvictReason.Explicit]: "explicit",
  [EvictReason.Replaced]: "replaced",
});

/**
 * The in-isolate memory tier on its own: synchronous, bounded by entries and/or bytes,
 * with TTLs from an injectable clock.
 *
 * The Rust engine decides everything (order, admission, expiry times, byte accounting,
 * stats); this class keeps the keys and values, so values come back exactly as stored.
 * A hit makes no call into wasm: it reads the slot's expiry through a view of wasm memory
 * and queues the slot in a shared read buffer; the engine applies queued hits, in order,
 * before anything else it does (every engine call passes `#pending`).
 *
 * `onEvict` hears of each value that leaves once the change is done: a handler may use the
 * cache, and one that throws is ignored. Without one nothing is collected for it.
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
  /** Views of the engine's buffers in wasm memory: expiry per slot, queued hits, evicted slots. */
  #expires;
  #reads;
  #evicted;
  /** Hits queued in #reads and not yet applied by the engine. */
  #pending = 0;
  #needsSizes;
  #needsHashes;
  /** Reads of keys not held at all (the engine counts the rest). */
  #absentMisses = 0;
  /** The caller's `(key, value, reason) => void`, or undefined. */
  #onEvict;

  /**
   * @param {object} [options] maxEntries, maxBytes, ttl, policy ("lru" | "tinylfu"), now, seed, onEvict
   */
  constructor(options) {
    this.#engine = new MemoryEngine(plainOptions(options, "MemoryCache"));
    NO_SLOT ??= MemoryEngine.noSlot();
    this.#now = options?.now === undefined ? coarseNow : checkedClock(options.now, "MemoryCache");
    this.#onEvict = options?.onEvict; // a function or undefined: the engine checked it
    this.#needsSizes = this.#engine.needsSizes();
    this.#needsHashes = this.#engine.needsHashes();
    this.#relayout();
  }

  /** The value for `key`, or `undefined`; a hit makes the entry most recent. */
  get(key) {
    const slot = this.#slots.get(toKey(key));
    if (slot === undefined) {
      // Checked on a miss only: a disposed cache holds nothing, so every read gets here.
      if (this.#engine === null) failDisposed("MemoryCache.get");
      this.#absentMisses++;
      return undefined;
    }
    const now = this.#now();
    // A detached view (wasm memory grew) reads undefined, which fails the test.
    if (now < this.#expires[slot]) {
      this.#reads[this.#pending++] = slot;
      if (this.#pending === this.#reads.length) this.#drain();
      return this.#values[slot];
    }
    if (this.#engine === null) failDisposed("MemoryCache.get"); // by the clock
    const lookup = this.#engine.get(this.#pending, slot, now);
    this.#afterCall();
    if (lookup === Lookup.Hit) return this.#values[slot];
    this.#removed(slot, lookup === Lookup.Expired ? EvictReason.Expired : undefined);
    return undefined;
  }

  /** The value for `key`, or `undefined`, without touching recency or stats. */
  peek(key) {
    const slot = this.#slots.get(toKey(key));
    if (slot === undefined) return this.#engine === null ? failDisposed("MemoryCache.peek") : undefined;
    return this.#live(slot) ? this.#values[slot] : undefined;
  }

  /** Whether `key` holds a live (unexpired) entry; does not touch recency or stats. */
  has(key) {
    const slot = this.#slots.get(toKey(key));
    if (slot === undefined && this.#engine === null) failDisposed("MemoryCache.has");
    return slot !== undefined && this.#live(slot);
  }

  /** Whether a held slot is live; an expired one is removed (by the engine, then here). */
  #live(slot) {
    const now = this.#now();
    if (now < this.#expires[slot]) return true;
    if (this.#engine === null) failDisposed("MemoryCache.peek"); // by the clock
    const lookup = this.#engine.peek(this.#pending, slot, now);
    this.#afterCall();
    if (lookup === Lookup.Hit) return true;
    this.#removed(slot, lookup === Lookup.Expired ? EvictReason.Expired : undefined);
    return false;
  }

  /**
   * Stores `value` under `key`. `ttl` (ms) overrides the default; `size` (bytes) overrides
   * the JSON byte length used when `maxBytes` is set. A value larger than `maxBytes` is not
   * stored (and any older value for the key is dropped). `onEvict` hears of the older value
   * (unless it is `value` itself, stored again), then of the entries evicted to make room.
   */
  set(key, value, options) {
    if (this.#engine === null) failDisposed("MemoryCache.set");
    const k = toKey(key);
    if (value === undefined) {
      fail("E_VALUE", "set: value is undefined; use delete(key) to remove an entry, or store null");
    }
    let ttl;
    let size;
    if (options !== undefined) ({ ttl, size } = entryOptions(options));
    if (size === undefined) size = this.#needsSizes ? jsonBytes(value) : 0;
    const now = this.#now();
    // The caller's code above (getters, toJSON, the clock) may have disposed of the cache.
    if (this.#engine === null) failDisposed("MemoryCache.set");
    const held = this.#slots.get(k);
    const pending = this.#pending;
    // The engine applies the queued hits first, even when the call then throws.
    this.#pending = 0;
    const packed =
      held === undefined
        ? this.#engine.insert(pending, this.#needsHashes ? keyHash(k) : 0, size, ttl, now)
        : this.#engine.update(pending, held, size, ttl, now);
    if (packed < 0) this.#engine.throwLastError();
    const slot = packed >>> 0;
    const high = (packed - slot) / HIGH_UNIT;
    if (high & 1 || this.#evicted.length === 0) this.#relayout();
    const evicted = high >>> 1;
    // [key, value, reason, ...] for onEvict, told once the change is done.
    const gone = this.#onEvict === undefined || (evicted === 0 && held === undefined) ? null : [];
    if (gone !== null && held !== undefined && (slot === NO_SLOT || this.#values[held] !== value)) {
      gone.push(k, this.#values[held], EvictReason.Replaced);
    }
    for (let i = 0; i < evicted; i++) {
      // The engine lists here only slots it evicted to make room.
      const victim = this.#evicted[i];
      gone?.push(this.#keys[victim], this.#values[victim], EvictReason.Capacity);
      this.#forget(victim);
    }
    if (slot === NO_SLOT) {
      if (held !== undefined) this.#forget(held);
    } else {
      this.#values[slot] = value;
      if (held === undefined) {
        this.#keys[slot] = k;
        this.#slots.set(k, slot);
      }
    }
    if (gone !== null) this.#tell(gone);
  }

  /** Removes `key`; whether a live entry was there. */
  delete(key) {
    const slot = this.#slots.get(toKey(key));
    if (slot === undefined) return this.#engine === null ? failDisposed("MemoryCache.delete") : false;
    const now = this.#now();
    if (this.#engine === null) failDisposed("MemoryCache.delete"); // by the clock
    const reason = this.#engine.delete(this.#pending, slot, now);
    this.#afterCall();
    this.#removed(slot, reason);
    return reason === EvictReason.Explicit;
  }

  /** Removes every entry (stats are kept); `onEvict` hears of each as explicit. */
  clear() {
    if (this.#engine === null) failDisposed("MemoryCache.clear");
    this.#engine.clear(this.#pending);
    this.#afterCall();
    let gone = null;
    if (this.#onEvict !== undefined) {
      gone = [];
      for (const [k, slot] of this.#slots) gone.push(k, this.#values[slot], EvictReason.Explicit);
    }
    this.#slots.clear();
    this.#keys.length = 0;
    this.#values.length = 0;
    if (gone !== null) this.#tell(gone);
  }

  /** Entries held (expired ones count until they are touched or evicted). */
  get size() {
    return this.#slots.size;
  }

  /** Sum of the sizes of the entries held. */
  get bytes() {
    if (this.#engine === null) failDisposed("MemoryCache.bytes");
    return this.#engine.bytes();
  }

  /** How full the cache is, 0..1: the larger of `size / maxEntries` and `bytes / maxBytes`. */
  get usage() {
    if (this.#engine === null) failDisposed("MemoryCache.usage");
    return this.#engine.usage();
  }

  /** Hits, misses, hit rate, sets, deletes, evictions (and by reason), expirations, rejected, size, bytes. */
  stats() {
    if (this.#engine === null) failDisposed("MemoryCache.stats");
    const n = this.#engine.stats(this.#pending, this.#absentMisses);
    this.#afterCall();
    const [hits, misses, hitRate, sets, deletes, evictions, expirations, rejected] = n;
    const [capacity, expired, explicit, replaced, size, bytes] = n.subarray(8);
    const evictionsByReason = { capacity, expired, explicit, replaced };
    return { hits, misses, hitRate, sets, deletes, evictions, expirations, rejected, evictionsByReason, size, bytes };
  }

  /**
   * Frees the engine's wasm memory now, rather than whenever the garbage collector gets
   * to it (wasm memory never shrinks, so caches made and dropped fast would grow it), and
   * drops every entry (`onEvict` is not told). Later calls throw `E_DISPOSED`; disposing
   * again does nothing.
   */
  dispose() {
    if (this.#engine === null) return;
    this.#engine.free();
    this.#engine = null;
    this.#slots = new Map();
    this.#keys = [];
    this.#values = [];
  }

  #drain() {
    this.#engine.drain(this.#pending);
    this.#afterCall();
  }

  /** After an engine call: queued hits are applied; views may be detached by memory growth. */
  #afterCall() {
    this.#pending = 0;
    if (this.#reads.length === 0) this.#relayout();
  }

  /** (Re)creates the views of the engine's buffers. */
  #relayout() {
    const buffer = wasmBuffer();
    const e = this.#engine;
    this.#expires = new Float64Array(buffer, e.expiresPtr(), e.expiresLen());
    this.#reads = new Uint32Array(buffer, e.readsPtr(), e.readsLen());
    this.#evicted = new Uint32Array(buffer, e.evictedPtr(), e.evictedLen());
  }

  /**
   * Forgets a slot the engine no longer holds, and tells `onEvict` why it left (`reason`,
   * an EvictReason; undefined when the engine held nothing there).
   */
  #removed(slot, reason) {
    if (this.#onEvict === undefined || reason === undefined) {
      this.#forget(slot);
      return;
    }
    const gone = [this.#keys[slot], this.#values[slot], reason];
    this.#forget(slot);
    this.#tell(gone);
  }

  /** Calls `onEvict` for each `key, value, reason` triple of `gone`; a throw is ignored. */
  #tell(gone) {
    const onEvict = this.#onEvict;
    for (let i = 0; i < gone.length; i += 3) {
      try {
        onEvict(gone[i], gone[i + 1], REASON_NAMES[gone[i + 2]]);
      } catch {
        // A failing handler must not break the cache: its state is complete already.
      }
    }
  }

  #forget(slot) {
    this.#slots.delete(this.#keys[slot]);
    this.#keys[slot] = undefined;
    this.#values[slot] = undefined;
  }
}

if (Symbol.dispose !== undefined) MemoryCache.prototype[Symbol.dispose] = MemoryCache.prototype.dispose;

function entryOptions(options) {
  const o = readOnce(options, "E_ARGUMENT", "set: options", "an object such as { ttl: 60000 }");
  for (const name in o) {
    if (name !== "ttl" && name !== "size") {
      fail("E_ARGUMENT", `set: unknown option "${name}"; the options are ttl, size`);
    }
  }
  const { ttl, size } = o;
  if (ttl !== undefined && typeof ttl !== "number") {
    fail("E_ARGUMENT", `set: ttl must be a number of milliseconds, got ${typeName(ttl)}`);
  }
  if (size !== undefined && typeof size !== "number") {
    fail("E_ARGUMENT", `set: size must be a number of bytes, got ${typeName(size)}`);
  }
  return { ttl, size };
}
