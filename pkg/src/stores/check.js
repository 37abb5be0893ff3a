// The validation the engine runs on every store it is given, built-in or user-supplied.
import { EdgeCacheError, describe, fail, typeName } from "../errors.js";

/** Limits assumed for what a store does not declare: 1 KiB keys, 25 MiB values, no minimum TTL. */
export const DEFAULT_LIMITS = Object.freeze({ maxKeyBytes: 1024, maxValueBytes: 25 * 1024 * 1024, minTtl: 0 });

/**
 * A store as the engine uses it: every method returns a promise, reads resolve to strings or null.
 * @typedef {{
 *   name: string,
 *   limits: { maxKeyBytes: number, maxValueBytes: number, minTtl: number },
 *   get(key: string): Promise<string | null>,
 *   set(key: string, value: string, opts: { ttl?: number }): Promise<void>,
 *   delete(key: string): Promise<void>,
 *   getMany?(keys: string[]): Promise<Array<string | null>>,
 * }} CheckedStore
 */

/**
 * Checks a store object and returns the store the engine uses: `{ name, limits, get, set,
 * delete, getMany? }` with `limits` completed from {@link DEFAULT_LIMITS}, methods called on
 * the original object, results normalised (`undefined` → `null`), synchronous throws turned
 * into rejections, and a non-string read rejected with `E_STORE`.
 * Throws `E_CONFIG` naming what is missing or malformed.
 * @param {unknown} store
 * @param {string} where the option being checked, e.g. "new EdgeCache({ store })"
 * @returns {CheckedStore}
 */
export function checkStore(store, where) {
  if ((typeof store !== "object" && typeof store !== "function") || store === null) {
    fail("E_CONFIG", `${where}: expected a store with get/set/delete functions (or one of stores.*), got ${typeName(store)}`);
  }
  if (typeof Deno !== "undefined" && typeof Deno.Kv === "function" && store instanceof Deno.Kv) {
    fail("E_CONFIG", `${where}: a Deno.Kv takes array keys and returns entries, not strings; wrap it: stores.denoKV(kv)`);
  }
  const missing = ["get", "set", "delete"].filter((m) => typeof store[m] !== "function");
  if (missing.length > 0) {
    fail("E_CONFIG", `${where}: the store has no ${missing.join("/")} function; a store needs get(key), set(key, value, { ttl }) and delete(key), each returning a promise. Wrap a platform client with stores.cloudflareKV(env.KV), stores.denoKV(kv), stores.redis(client) or stores.cacheApi(cache)`);
  }
  if (store.getMany !== undefined && typeof store.getMany !== "function") {
    fail("E_CONFIG", `${where}: store.getMany must be a function (keys) => Promise<values> or absent, got ${typeName(store.getMany)}`);
  }
  if (store.name !== undefined && typeof store.name !== "string") {
    fail("E_CONFIG", `${where}: store.name must be a string or absent, got ${typeName(store.name)}`);
  }
  const name = store.name ?? "custom";
  const checked = {
    name,
    limits: checkLimits(store.limits, where),
    get: async (key) => text(await store.get(key), name, "get"),
    set: async (key, value, opts) => {
      await store.set(key, value, opts);
    },
    delete: async (key) => {
      await store.delete(key);
    },
  };
  if (store.getMany !== undefined) {
    checked.getMany = async (keys) => {
      const values = await store.getMany(keys);
      if (!Array.isArray(values) || values.length !== keys.length) {
        throw new EdgeCacheError("E_STORE", `store "${name}": getMany of ${keys.length} keys must resolve to an array of ${keys.length} values, got ${Array.isArray(values) ? `${values.length} values` : typeName(values)}`);
      }
      return values.map((v) => text(v, name, "getMany"));
    };
  }
  return checked;
}

function checkLimits(limits, where) {
  if (limits === undefined) return DEFAULT_LIMITS;
  if (typeof limits !== "object" || limits === null || Array.isArray(limits)) {
    fail("E_CONFIG", `${where}: store.limits must be an object { maxKeyBytes?, maxValueBytes?, minTtl? } or absent, got ${typeName(limits)}`);
  }
  for (const key of Object.keys(limits)) {
    if (!(key in DEFAULT_LIMITS)) {
      fail("E_CONFIG", `${where}: unknown store limit "${key}"; the limits are maxKeyBytes, maxValueBytes, minTtl`);
    }
  }
  const merged = { ...DEFAULT_LIMITS, ...limits };
  for (const key of ["maxKeyBytes", "maxValueBytes"]) {
    const n = merged[key];
    if (typeof n !== "number" || !(n >= 1) || !(Number.isInteger(n) || n === Infinity)) {
      fail("E_CONFIG", `${where}: store.limits.${key} must be a whole number of bytes >= 1, got ${typeName(n)} ${describe(n)}`);
    }
  }
  const m = merged.minTtl;
  if (typeof m !== "number" || !Number.isFinite(m) || m < 0) {
    fail("E_CONFIG", `${where}: store.limits.minTtl must be a finite number of ms >= 0, got ${typeName(m)} ${describe(m)}`);
  }
  return Object.freeze(merged);
}

function text(value, name, op) {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return null;
  throw new EdgeCacheError("E_STORE", `store "${name}": ${op} must resolve to a string or null, got ${typeName(value)}; stores hold the strings edgecache writes`);
}
