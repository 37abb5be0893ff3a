// Workers KV (Cloudflare): a namespace binding from the Worker's env.
import { describe, fail, typeName } from "../errors.js";
import { checkOptions, expectMethods } from "./args.js";
import { ttlSeconds } from "./ttl.js";

/** Workers KV's limits: 512-byte keys, 25 MiB values, 60 s minimum TTL. */
const LIMITS = Object.freeze({ maxKeyBytes: 512, maxValueBytes: 25 * 1024 * 1024, minTtl: 60_000 });
/** Workers KV's minimum expirationTtl, in seconds. */
const MIN_TTL_S = 60;
/** Most keys one bulk get may ask for. */
const BULK_KEYS = 100;

/**
 * A store over a Workers KV namespace binding (`env.MY_KV`). TTLs become `expirationTtl` in
 * whole seconds (rounded up, at least 60); `getMany` uses KV's bulk get (`get(keys, "text")`,
 * up to 100 keys a call, the calls in parallel). KV is eventually consistent across
 * locations (a write can take 60 s or more to be seen elsewhere) and refuses the key names
 * "", "." and "..". Option `cacheTtl` (ms, at least 60 000): how long each location keeps
 * what it read (KV's `cacheTtl`, passed in whole seconds, rounded up, to every read);
 * without it, KV's default (60 s).
 * @param {KVNamespace} namespace
 * @param {{ cacheTtl?: number }} [options]
 */
export function cloudflareKV(namespace, options) {
  expectMethods(namespace, ["get", "put", "delete"], "stores.cloudflareKV(namespace)", "a Workers KV namespace binding (env.MY_KV)");
  const { cacheTtl } = checkOptions(options, ["cacheTtl"], "stores.cloudflareKV(namespace, options)");
  if (cacheTtl !== undefined && !(typeof cacheTtl === "number" && cacheTtl >= MIN_TTL_S * 1000 && cacheTtl < Infinity)) {
    fail("E_CONFIG", `stores.cloudflareKV(namespace, options): cacheTtl must be a number of ms of at least 60000 (Workers KV's minimum), got ${typeName(cacheTtl)} ${describe(cacheTtl)}`);
  }
  const read = Object.freeze(cacheTtl === undefined ? { type: "text" } : { type: "text", cacheTtl: Math.ceil(cacheTtl / 1000) });
  return {
    name: "cloudflare-kv",
    limits: LIMITS,
    async get(key) {
      return namespace.get(key, read);
    },
    async set(key, value, opts) {
      const seconds = ttlSeconds(opts);
      await namespace.put(key, value, seconds === undefined ? {} : { expirationTtl: Math.max(MIN_TTL_S, seconds) });
    },
    async delete(key) {
      await namespace.delete(key);
    },
    async getMany(keys) {
      const batches = [];
      for (let i = 0; i < keys.length; i += BULK_KEYS) {
        batches.push(bulkGet(namespace, keys.slice(i, i + BULK_KEYS), read));
      }
      const found = await Promise.all(batches);
      return keys.map((key, i) => found[Math.floor(i / BULK_KEYS)].get(key) ?? null);
    },
  };
}

/**
 * One bulk read of `keys` (a Map of key to value or null), with the adapter's `read` options. KV refuses a bulk read whose
 * values total more than 25 MB; the same keys are then read one by one, so that large
 * records are still found. Any other failure is the read's failure.
 */
async function bulkGet(namespace, keys, read) {
  try {
    return await namespace.get(keys, read);
  } catch (error) {
    if (!TOO_LARGE.test(describe(error))) throw error;
    const values = await Promise.all(keys.map((key) => namespace.get(key, read)));
    return new Map(keys.map((key, i) => [key, values[i]]));
  }
}

/** How KV words its refusal of a bulk read over its total size limit (HTTP 413). */
const TOO_LARGE = /\b413\b|exceeds the limit/i;
