// A bus over BroadcastChannel: between the isolates of one process that share its channels
// (Node worker threads, Deno workers, a browser's tabs and workers of one origin) and
// between two channel objects of the same name in one isolate.
import { fail, typeName } from "../errors.js";

/**
 * A bus on the BroadcastChannel `name`. Its channels do not keep a Node process alive.
 * @param {string} name the channel's name: caches meant to hear each other share it
 */
export function broadcastChannel(name) {
  if (typeof name !== "string" || name.length === 0) {
    fail("E_CONFIG", `buses.broadcastChannel(name): name must be a non-empty string such as "edgecache", got ${typeName(name)}`);
  }
  if (typeof BroadcastChannel !== "function") {
    fail("E_CONFIG", "buses.broadcastChannel(name): this runtime has no BroadcastChannel; use buses.redis(client) or a bus of your own");
  }
  let sender = null;
  return {
    publish(message) {
      sender ??= open(name);
      sender.postMessage(message);
    },
    subscribe(onMessage, onError) {
      const channel = open(name);
      channel.onmessage = (e) => onMessage(e.data);
      channel.onmessageerror = (e) => onError?.(e.data ?? new Error("BroadcastChannel: a message could not be deserialized"));
      return () => channel.close();
    },
  };
}

function open(name) {
  const channel = new BroadcastChannel(name);
  channel.unref?.(); // Node: an open channel would keep the process running
  return channel;
}
