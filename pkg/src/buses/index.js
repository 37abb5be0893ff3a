// The bus adapters: each turns a platform's publish/subscribe into the Bus contract an
// EdgeCache's `bus` option takes ({ publish(message), subscribe(onMessage, onError?) };
// see edge/bus.js for what travels on it).
import { adapterFamily } from "../adapters.js";
import { broadcastChannel } from "./broadcast_channel.js";
import { denoKV } from "./deno_kv.js";
import { redis } from "./redis.js";

/** Bus adapters for Redis pub/sub, BroadcastChannel and Deno KV. */
export const buses = adapterFamily("buses", { redis, broadcastChannel, denoKV });
