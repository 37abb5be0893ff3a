// The bus adapters: each turns a platform's publish/subscribe into the Bus contract an
// EdgeCache's `bus` option takes ({ publish(message), subscribe(onMessage, onError?) }, or
// { publish(message), poll(), pollMs } for a bus the cache asks; see edge/bus.js for what
// travels on it).
import { adapterFamily } from "../adapters.js";
import { broadcastChannel } from "./broadcast_channel.js";
import { denoKV } from "./deno_kv.js";
import { durableObject } from "./durable_object.js";
import { redis } from "./redis.js";

export { EdgeCacheBus } from "./durable_object.js";

/** Bus adapters for Redis pub/sub, BroadcastChannel, Deno KV and a Durable Object. */
export const buses = adapterFamily("buses", { redis, broadcastChannel, denoKV, durableObject });
