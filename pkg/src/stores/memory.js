// An in-process store for tests and local development: a Map honouring TTLs.
import { fail, typeName } from "../errors.js";
import { checkOptions } from "./args.js";
import { ttlMs } from "./ttl.js";

const WHERE = "stores.memory({ now })";
/** Generous bounds, finite so the engine's arithmetic stays plain: 64 KiB keys, 256 MiB values. */
const LIMITS = Object.freeze({ maxKeyBytes: 64 * 1024, maxValueBytes: 256 * 1024 * 1024, minTtl: 0 });

/**
 * A store kept in a `Map` in this isolate, with TTLs read from `now` (default `Date.now`;
 * tests pass a manual clock). Not shared between isolates or processes and unbounded:
 * for tests and local development. An expired entry is dropped when read, and all of them
 * whenever the map has doubled since the last sweep.
 * @param {{ now?: () => number }} [options]
 */
export function memory(options) {
  const { now = Date.now } = checkOptions(options, ["now"], WHERE);
  if (typeof now !== "function") {
    fail("E_CONFIG", `${WHERE}: now must be a function returning the time in ms, got ${typeName(now)}`);
  }
  /** @type {Map<string, { value: string, expiresAt: number }>} */
  const entries = new Map();
  let sweptAt = 0;

  const read = (key, t) => {
    const entry = entries.get(key);
    if (entry === undefined) return null;
    if (t < entry.expiresAt) return entry.value;
    entries.delete(key);
    return null;
  };
  const sweep = (t) => {
    for (const [key, entry] of entries) if (t >= entry.expiresAt) entries.delete(key);
    sweptAt = entries.size;
  };

  return {
    name: "memory",
    limits: LIMITS,
    async get(key) {
      return read(key, now());
    },
    async set(key, value, opts) {
      const ms = ttlMs(opts);
      const t = now();
      entries.set(key, { value, expiresAt: ms === undefined ? Infinity : t + ms });
      if (entries.size > 2 * sweptAt + 16) sweep(t);
    },
    async delete(key) {
      entries.delete(key);
    },
    async getMany(keys) {
      const t = now();
      return keys.map((key) => read(key, t));
    },
    /** The live keys (for tests and debugging). */
    keys() {
      const t = now();
      return [...entries.keys()].filter((key) => read(key, t) !== null);
    },
  };
}
