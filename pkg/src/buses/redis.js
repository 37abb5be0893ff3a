// A bus over Redis pub/sub (PUBLISH / SUBSCRIBE on one channel), through node-redis v4+ or
// ioredis. A connection that subscribes can run no other command: the subscriber is a
// connection of its own (the caller's, or a duplicate of the client made here).
import { fail } from "../errors.js";
import { checkOptions, expectMethods } from "../stores/args.js";

const WHERE = "buses.redis(client, { channel, subscriber })";

/**
 * A bus on the Redis channel `channel` (default "edgecache"). `client` (connected) sends
 * the messages; the caller keeps it open and closes it. Messages are received on
 * `subscriber` when given: a connected client used for nothing else, left open (the caller
 * closes it); else on `client.duplicate()`, made, connected and closed here (when the cache
 * is disposed). node-redis and ioredis reconnect and subscribe again by themselves; messages
 * sent meanwhile are lost (those caches go by memoryTtl until then). Their connection
 * errors are the cache's `error` events (tier "bus").
 * @param {object} client a node-redis (`createClient()`) or ioredis (`new Redis()`) client
 * @param {{ channel?: string, subscriber?: object }} [options]
 */
export function redis(client, options) {
  const { channel = "edgecache", subscriber } = checkOptions(options, ["channel", "subscriber"], WHERE);
  if (typeof channel !== "string" || channel.length === 0) fail("E_CONFIG", `${WHERE}: channel must be a non-empty string`);
  expectMethods(client, ["publish", "subscribe", "duplicate"], WHERE, "a node-redis or ioredis client");
  if (subscriber !== undefined) expectMethods(subscriber, ["subscribe", "unsubscribe"], WHERE, "a node-redis or ioredis client for subscribing");
  return {
    async publish(message) {
      await client.publish(channel, message);
    },
    subscribe(onMessage, onError) {
      const owned = subscriber === undefined;
      const sub = owned ? client.duplicate() : subscriber;
      const ioredis = typeof sub.getBuffer === "function";
      const report = (error) => onError?.(error);
      if (owned) sub.on?.("error", report);
      // node-redis calls a listener per channel; ioredis emits "message" for all of them.
      const listener = ioredis ? (from, message) => from === channel && onMessage(message) : (message) => onMessage(message);
      const started = (async () => {
        if (owned && !ioredis) await sub.connect();
        if (ioredis) {
          sub.on("message", listener);
          await sub.subscribe(channel);
        } else {
          await sub.subscribe(channel, listener);
        }
      })();
      started.catch(report);
      return () => {
        started
          .finally(async () => {
            if (ioredis) sub.off("message", listener);
            if (owned) await (ioredis ? sub.quit() : sub.close?.() ?? sub.quit());
            else if (!ioredis) await sub.unsubscribe(channel, listener);
          })
          .catch(report);
      };
    },
  };
}
