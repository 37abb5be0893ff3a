/** A cache key: a non-empty string, or an array of string / finite number parts joined with ":". */
export type Key = string | ReadonlyArray<string | number>;

/** Longest key accepted, in UTF-16 code units (after joining array parts). */
export declare const MAX_KEY_LENGTH: number;

/** Stable error codes carried by {@link EdgeCacheError.code}. */
export type ErrorCode = "E_CONFIG" | "E_KEY" | "E_VALUE" | "E_ARGUMENT";

/** Every error edgecache throws; the message says how to fix the call. */
export declare class EdgeCacheError extends Error {
  constructor(code: ErrorCode, message: string);
  readonly name: "EdgeCacheError";
  readonly code: ErrorCode;
}

/** Options of {@link MemoryCache}. Unknown names are rejected with `E_CONFIG`. */
export interface MemoryOptions {
  /** Most entries kept (whole number ≥ 1). Default 10 000 when `maxBytes` is not given either. */
  maxEntries?: number;
  /** Most bytes kept: the sum of entry sizes (`size`, else the UTF-8 length of the value's JSON). */
  maxBytes?: number;
  /** Default time to live in ms (finite, > 0). Omit for no expiry. */
  ttl?: number;
  /** Eviction policy. Default "lru". */
  policy?: "lru" | "tinylfu";
  /** Clock in ms. Default: `Date.now()`, read at most once per millisecond timer tick. */
  now?: () => number;
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
  evictionsByReason: { capacity: number; expired: number; explicit: number; replaced: number };
  /** Entries held (expired ones count until touched or evicted). */
  size: number;
  bytes: number;
}

/** The in-isolate memory tier on its own: synchronous, bounded, with TTLs. */
export declare class MemoryCache<V = unknown> {
  constructor(options?: MemoryOptions);
  /** The value, or undefined; a hit makes the entry most recent. */
  get(key: Key): V | undefined;
  /** The value, or undefined, without touching recency or stats. */
  peek(key: Key): V | undefined;
  /** Stores a value (`undefined` is not a value: use delete). */
  set(key: Key, value: V, options?: MemorySetOptions): void;
  /** Whether a live entry is held; does not touch recency or stats. */
  has(key: Key): boolean;
  /** Removes an entry; whether a live one was there. */
  delete(key: Key): boolean;
  /** Removes every entry; stats are kept. */
  clear(): void;
  /** Entries held. */
  readonly size: number;
  /** Sum of entry sizes. */
  readonly bytes: number;
  stats(): TierStats;
}
