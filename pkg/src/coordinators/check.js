// The validation the cache runs on a coordinator, built-in or user-supplied, and the lease
// tokens the built-in ones hand out.
import { EdgeCacheError, describe, fail, typeName } from "../errors.js";

/** The longest lease (ms): the longest timer (2^31 - 1 ms). */
const MAX_LEASE_MS = 2 ** 31 - 1;

/**
 * A coordinator as the cache uses it: `{ name, leaseMs, acquire, release }`, methods called on the
 * caller's object, synchronous throws turned into rejections, and an `acquire` that
 * resolves to anything but a non-empty string or null rejected with E_COORDINATOR.
 * Throws E_CONFIG naming what is missing.
 * @param {unknown} given
 * @param {string} where the option being checked
 */
export function checkCoordinator(given, where) {
  const isObject = (typeof given === "object" && given !== null) || typeof given === "function";
  const missing = isObject ? ["acquire", "release"].filter((m) => typeof given[m] !== "function") : ["acquire", "release"];
  if (missing.length > 0) {
    fail("E_CONFIG", `${where}: expected a coordinator with acquire(key, ms) and release(key, token), got ${isObject ? `an object without ${missing.join("/")}` : typeName(given)}; use coordinators.redis(client), coordinators.denoKV(kv) or coordinators.durableObject(env.LEASES) (Workers KV alone cannot hold a lease: it has no compare-and-set)`);
  }
  const name = typeof given.name === "string" ? given.name : "custom";
  const { leaseMs } = given;
  if (leaseMs !== undefined && !(typeof leaseMs === "number" && leaseMs > 0 && leaseMs <= MAX_LEASE_MS)) {
    fail("E_CONFIG", `${where}: leaseMs must be a number of milliseconds greater than 0 and at most ${MAX_LEASE_MS}, or absent (a lease as long as a load may take), got ${typeName(leaseMs)} ${describe(leaseMs)}`);
  }
  return {
    name,
    leaseMs,
    acquire: async (key, ms) => {
      const token = await given.acquire(key, ms);
      if (token === null || (typeof token === "string" && token !== "")) return token;
      throw new EdgeCacheError("E_COORDINATOR", `coordinator "${name}": acquire must resolve to a token (a non-empty string) or null, got ${typeName(token)}`);
    },
    release: async (key, token) => {
      await given.release(key, token);
    },
  };
}

/** A random lease token (128 bits, hex): drawn at call time (Workers forbid randomness at import). */
export function newToken() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A lease time as a store expiry: whole milliseconds, at least 1. */
export function wholeMs(ms) {
  return Math.max(1, Math.ceil(ms));
}

/**
 * The `leaseMs` option of a coordinator factory, checked by the cache (checkCoordinator)
 * with the rest of the coordinator: `{ leaseMs }` when given, else nothing.
 */
export function leaseOption(leaseMs) {
  return leaseMs === undefined ? {} : { leaseMs };
}
