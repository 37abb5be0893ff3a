// The coordinators: each holds a lease per key in a store that can compare-and-set, so
// that of the isolates missing one key at once only one calls the loader (see
// edge/lease.js). Workers KV alone cannot: it has no compare-and-set.
import { adapterFamily } from "../adapters.js";
import { denoKV } from "./deno_kv.js";
import { durableObject } from "./durable_object.js";
import { redis } from "./redis.js";

export { EdgeCacheLease } from "./durable_object.js";

/** Coordinators for cross-isolate single flight: Redis, Deno KV, a Durable Object. */
export const coordinators = adapterFamily("coordinators", { redis, denoKV, durableObject });
