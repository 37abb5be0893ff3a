// The bus adapters: each turns a platform's publish/subscribe into the Bus contract an
// EdgeCache's `bus` option takes ({ publish(message), subscribe(onMessage, onError?) };
// see edge/bus.js for what travels on it).
import { EdgeCacheError, describe, isEdgeCacheError } from "../errors.js";
import { broadcastChannel } from "./broadcast_channel.js";
import { redis } from "./redis.js";

/** `factory`, made to throw only EdgeCacheErrors (as stores.* do: see stores/index.js). */
function checked(name, factory) {
  return (...args) => {
    try {
      return factory(...args);
    } catch (error) {
      if (isEdgeCacheError(error)) throw error;
      throw new EdgeCacheError("E_CONFIG", `buses.${name}: reading its arguments threw (${describe(error)}); pass the platform's client and a plain options object`, { cause: error });
    }
  };
}

/** Bus adapters for Redis pub/sub and BroadcastChannel. */
export const buses = Object.freeze({
  redis: checked("redis", redis),
  broadcastChannel: checked("broadcastChannel", broadcastChannel),
});
