// The coordinators: each holds a lease per key in a store that can compare-and-set, so
// that of the isolates missing one key at once only one calls the loader (see
// edge/lease.js). Workers KV alone cannot: it has no compare-and-set.
import { EdgeCacheError, describe, isEdgeCacheError } from "../errors.js";
import { denoKV } from "./deno_kv.js";
import { durableObject } from "./durable_object.js";
import { redis } from "./redis.js";

export { EdgeCacheLease } from "./durable_object.js";

/** `factory`, made to throw only EdgeCacheErrors (see stores/index.js). */
function checked(name, factory) {
  return (...args) => {
    try {
      return factory(...args);
    } catch (error) {
      if (isEdgeCacheError(error)) throw error;
      throw new EdgeCacheError("E_CONFIG", `coordinators.${name}: reading its arguments threw (${describe(error)}); pass the platform's client and a plain options object`, { cause: error });
    }
  };
}

/** Coordinators for cross-isolate single flight: Redis, Deno KV, a Durable Object. */
export const coordinators = Object.freeze({
  redis: checked("redis", redis),
  denoKV: checked("denoKV", denoKV),
  durableObject: checked("durableObject", durableObject),
});
