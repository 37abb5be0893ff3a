// The store adapters: each turns a platform's key-value API into the KvStore contract the
// engine calls ({ name, limits, get, set, delete, getMany? }; strings in, strings out, TTLs
// in ms). The engine enforces the limits; adapters only convert units and shapes.
import { cacheApi } from "./cache_api.js";
import { cloudflareKV } from "./cloudflare_kv.js";
import { denoKV } from "./deno_kv.js";
import { memory } from "./memory.js";
import { redis } from "./redis.js";
import { EdgeCacheError, describe, isEdgeCacheError } from "../errors.js";

/**
 * `factory`, made to throw only EdgeCacheErrors: a client or options object whose reading
 * throws (a getter, a Proxy) is an `E_CONFIG` naming the factory, not the caller's raw error.
 */
function checked(name, factory) {
  return (...args) => {
    try {
      return factory(...args);
    } catch (error) {
      if (isEdgeCacheError(error)) throw error;
      throw new EdgeCacheError("E_CONFIG", `stores.${name}: reading its arguments threw (${describe(error)}); pass the platform's client and a plain options object`, { cause: error });
    }
  };
}

/** Store adapters for Workers KV, Deno KV, Redis, the Cache API and an in-process map. */
export const stores = Object.freeze({
  cloudflareKV: checked("cloudflareKV", cloudflareKV),
  denoKV: checked("denoKV", denoKV),
  redis: checked("redis", redis),
  cacheApi: checked("cacheApi", cacheApi),
  memory: checked("memory", memory),
});
