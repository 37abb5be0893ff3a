// The store adapters: each turns a platform's key-value API into the KvStore contract the
// engine calls ({ name, limits, get, set, delete, getMany? }; strings in, strings out, TTLs
// in ms). The engine enforces the limits; adapters only convert units and shapes.
import { cacheApi } from "./cache_api.js";
import { cloudflareKV } from "./cloudflare_kv.js";
import { denoKV } from "./deno_kv.js";
import { memory } from "./memory.js";
import { redis } from "./redis.js";
import { adapterFamily } from "../adapters.js";

/** Store adapters for Workers KV, Deno KV, Redis, the Cache API and an in-process map. */
export const stores = adapterFamily("stores", { cloudflareKV, denoKV, redis, cacheApi, memory });
