// A Redis client wrapper that injects connection faults, for testing how stores.redis rides
// out a failover without a cluster to kill. Commands that are not failed go to the real
// client underneath (node-redis `createClient()` or ioredis `new Redis()` on a real
// redis-server).

/** The commands stores.redis sends, as each client spells them (ioredis also has getBuffer). */
const COMMANDS = { "node-redis": ["get", "set", "del", "mGet"], ioredis: ["get", "set", "del", "mget", "getBuffer"] };

/**
 * Wraps `client` (node-redis, or ioredis when it has getBuffer) and fails commands on demand with the
 * error `fault()` makes (a fresh one per call). `failNext(n, fault)` fails the next n
 * commands; `down(fault)` fails every command until `down(null)`; `failKeys(keys, n, fault)`
 * fails the next n commands that name one of `keys`. `cluster: true` makes stores.redis
 * take it for a cluster client (node-redis `getSlotMaster`, ioredis `isCluster: true`);
 * `isOpen` (node-redis, settable) stands for the client having been closed by its owner. `calls`
 * counts commands per name, failed ones included; `log` records each with its fault.
 * @param {object} client a connected node-redis client
 * @param {{ cluster?: boolean }} [options]
 */
export function faultyRedisClient(client, { cluster = false } = {}) {
  const flavor = typeof client.getBuffer === "function" ? "ioredis" : "node-redis";
  const calls = Object.fromEntries(COMMANDS[flavor].map((c) => [c, 0]));
  const log = [];
  let next = { n: 0, fault: null, keys: null };
  let always = null;

  const faultFor = (keys) => {
    if (always !== null) return always;
    if (next.n > 0 && (next.keys === null || keys.some((k) => next.keys.includes(k)))) {
      next.n--;
      return next.fault;
    }
    return null;
  };
  // Every command takes one key first, but MGET, which takes an array of keys.
  const keysOf = ([first]) => (Array.isArray(first) ? first : [first]);
  const command = (name) => async (...args) => {
    calls[name]++;
    const fault = faultFor(keysOf(args));
    const error = fault === null ? null : fault();
    log.push({ command: name, keys: keysOf(args), fault: error?.constructor.name ?? null });
    if (error !== null) throw error;
    return client[name](...args);
  };

  const wrapper = {
    ...Object.fromEntries(COMMANDS[flavor].map((name) => [name, command(name)])),
    calls,
    log,
    /** Fails the next `n` commands with `fault()`. */
    failNext(n, fault) {
      next = { n, fault, keys: null };
    },
    /** Fails the next `n` commands naming one of `keys` with `fault()`. */
    failKeys(keys, n, fault) {
      next = { n, fault, keys };
    },
    /** Fails every command with `fault()` while it is not null. */
    down(fault) {
      always = fault;
    },
  };
  if (flavor === "node-redis") wrapper.isOpen = true;
  if (cluster && flavor === "node-redis") wrapper.getSlotMaster = () => ({});
  if (flavor === "ioredis") wrapper.isCluster = cluster;
  return wrapper;
}
