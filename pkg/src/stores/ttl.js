// TTL conversion shared by the adapters: the engine hands over milliseconds (already raised
// to the store's minimum); each platform wants its own unit, in whole numbers.
import { describe, fail, typeName } from "../errors.js";

/**
 * The TTL of a `set` call in whole milliseconds (rounded up), or `undefined` for none.
 * Throws `E_ARGUMENT` unless `ttl` is absent or a finite number > 0.
 * @param {{ ttl?: number } | undefined} opts
 * @returns {number | undefined}
 */
export function ttlMs(opts) {
  const ttl = opts?.ttl;
  if (ttl === undefined) return undefined;
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0) {
    fail("E_ARGUMENT", `store set: ttl must be a finite number of ms > 0 (omit it for no expiry), got ${typeName(ttl)} ${describe(ttl)}`);
  }
  return Math.ceil(ttl);
}

/**
 * The TTL of a `set` call in whole seconds (rounded up), or `undefined` for none.
 * @param {{ ttl?: number } | undefined} opts
 * @returns {number | undefined}
 */
export function ttlSeconds(opts) {
  const ms = ttlMs(opts);
  return ms === undefined ? undefined : Math.ceil(ms / 1000);
}
