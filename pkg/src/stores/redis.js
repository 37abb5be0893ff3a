// Redis, through whichever of the three common JavaScript clients the caller already has.
import { describe, fail, typeName } from "../errors.js";
import { checkOptions, expectMethods } from "./args.js";
import { ttlMs } from "./ttl.js";

const WHERE = "stores.redis(client, { flavor })";
/**
 * Redis takes keys and values up to 512 MB. Keys over 16 KiB are better digested by the
 * engine than sent whole (Upstash plans also cap the request size below the value limit).
 */
const LIMITS = Object.freeze({ maxKeyBytes: 16 * 1024, maxValueBytes: 512 * 1024 * 1024, minTtl: 0 });

/**
 * How each client spells the four commands. node-redis (v4+) and @upstash/redis take SET
 * options as an object ({ PX } / { px }), ioredis as trailing arguments; node-redis reads
 * many keys with `mGet(keys)`, ioredis with `mget(keys)`, Upstash with `mget(...keys)`.
 */
const FLAVORS = {
  "node-redis": {
    methods: ["get", "set", "del", "mGet"],
    set: (c, key, value, ms) => (ms === undefined ? c.set(key, value) : c.set(key, value, { PX: ms })),
    mget: (c, keys) => c.mGet(keys),
  },
  ioredis: {
    methods: ["get", "set", "del", "mget"],
    set: (c, key, value, ms) => (ms === undefined ? c.set(key, value) : c.set(key, value, "PX", ms)),
    mget: (c, keys) => c.mget(keys),
  },
  upstash: {
    methods: ["get", "set", "del", "mget"],
    set: (c, key, value, ms) => (ms === undefined ? c.set(key, value) : c.set(key, value, { px: ms })),
    mget: (c, keys) => c.mget(...keys),
  },
};

/**
 * A store over a Redis client: node-redis v4+ (`createClient()`), ioredis (`new Redis()`)
 * or @upstash/redis (`new Redis({ url, token, automaticDeserialization: false })`). TTLs
 * become `PX` (whole ms), deletes `DEL`, `getMany` one `MGET`. The client's shape is
 * detected unless `flavor` names it: a `mGet` method means node-redis (its camelCase command
 * names), a `getBuffer` method means ioredis (it has a Buffer twin of every command), else a
 * `mget` method means Upstash. An Upstash client must be created with
 * `automaticDeserialization: false`: by default it JSON-parses every reply, which would
 * hand back objects (or a different string) instead of the string that was stored.
 * @param {object} client a connected client
 * @param {{ flavor?: "node-redis" | "ioredis" | "upstash" }} [options]
 */
export function redis(client, options) {
  const { flavor = detect(client) } = checkOptions(options, ["flavor"], WHERE);
  const shape = FLAVORS[flavor];
  if (shape === undefined) {
    fail("E_CONFIG", `${WHERE}: flavor must be one of ${Object.keys(FLAVORS).map((f) => `"${f}"`).join(", ")}, got ${typeName(flavor)} ${describe(flavor)}`);
  }
  expectMethods(client, shape.methods, WHERE, `a ${flavor} client`);
  if (flavor === "upstash" && typeof client.opts === "object" && client.opts?.automaticDeserialization !== false) {
    fail("E_CONFIG", `${WHERE}: this @upstash/redis client JSON-parses replies, which changes cached records; create it with new Redis({ url, token, automaticDeserialization: false }) or Redis.fromEnv({ automaticDeserialization: false })`);
  }
  return {
    name: "redis",
    limits: LIMITS,
    async get(key) {
      return text(await client.get(key));
    },
    async set(key, value, opts) {
      await shape.set(client, key, value, ttlMs(opts));
    },
    async delete(key) {
      await client.del(key);
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      return (await shape.mget(client, keys)).map(text);
    },
  };
}

function detect(client) {
  expectMethods(client, ["get", "set", "del"], WHERE, "a node-redis, ioredis or @upstash/redis client");
  if (typeof client.mGet === "function") return "node-redis";
  if (typeof client.getBuffer === "function") return "ioredis";
  if (typeof client.mget === "function") return "upstash";
  fail("E_CONFIG", `${WHERE}: cannot tell which Redis client this is (no mGet, getBuffer or mget method); pass { flavor: "node-redis" | "ioredis" | "upstash" }`);
}

/** A reply as the string that was stored; anything else means the client transformed it. */
function text(reply) {
  if (reply === null || typeof reply === "string") return reply;
  fail("E_STORE", `stores.redis: the client returned ${typeName(reply)} instead of a string; configure it to return strings (for @upstash/redis: automaticDeserialization: false)`);
}
