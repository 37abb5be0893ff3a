// A lease in Redis: SET NX PX takes it, a compare-and-delete script releases it.
import { describe, fail, typeName } from "../errors.js";
import { checkOptions, expectMethods } from "../stores/args.js";
import { leaseOption, newToken, wholeMs } from "./check.js";

const WHERE = "coordinators.redis(client, { flavor, leaseMs })";

/** Deletes KEYS[1] only while it holds ARGV[1]: a holder whose lease expired frees nobody else's. */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** How each client spells SET NX PX and EVAL. */
const FLAVORS = {
  "node-redis": {
    methods: ["set", "eval", "mGet"],
    take: (c, key, token, ms) => c.set(key, token, { NX: true, PX: ms }),
    release: (c, key, token) => c.eval(RELEASE, { keys: [key], arguments: [token] }),
  },
  ioredis: {
    methods: ["set", "eval", "getBuffer"],
    take: (c, key, token, ms) => c.set(key, token, "PX", ms, "NX"),
    release: (c, key, token) => c.eval(RELEASE, 1, key, token),
  },
};

/**
 * A coordinator over a Redis client, node-redis v4+ (`createClient()`) or ioredis (`new
 * Redis()`): a lease is `SET key token NX PX ms` with a random token, released by a Lua
 * script that deletes the key only while it still holds that token (so a holder whose
 * lease expired and was taken over cannot free its successor's). Detected like
 * `stores.redis` unless `flavor` names the client. `leaseMs`: see the Coordinator type.
 * @param {object} client a connected client (the store's own client will do)
 * @param {{ flavor?: "node-redis" | "ioredis", leaseMs?: number }} [options]
 */
export function redis(client, options) {
  expectMethods(client, ["set", "eval"], WHERE, "a node-redis or ioredis client");
  const { flavor = detect(client), leaseMs } = checkOptions(options, ["flavor", "leaseMs"], WHERE);
  const shape = FLAVORS[flavor];
  if (shape === undefined) {
    fail("E_CONFIG", `${WHERE}: flavor must be "node-redis" or "ioredis", got ${typeName(flavor)} ${describe(flavor)}`);
  }
  expectMethods(client, shape.methods, WHERE, `a ${flavor} client`);
  return {
    name: "redis",
    ...leaseOption(leaseMs),
    async acquire(key, ms) {
      const token = newToken();
      return (await shape.take(client, key, token, wholeMs(ms))) === "OK" ? token : null;
    },
    async release(key, token) {
      await shape.release(client, key, token);
    },
  };
}

function detect(client) {
  if (typeof client.mGet === "function") return "node-redis";
  if (typeof client.getBuffer === "function") return "ioredis";
  fail("E_CONFIG", `${WHERE}: cannot tell which Redis client this is (no mGet or getBuffer method); pass { flavor: "node-redis" | "ioredis" }`);
}
