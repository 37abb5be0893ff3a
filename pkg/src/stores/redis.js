// Redis, through whichever of the three common JavaScript clients the caller already has.
import { describe, fail, typeName } from "../errors.js";
import { checkOptions, expectMethods } from "./args.js";
import { bySlot } from "./redis_slot.js";
import { isConnectionFailure, retrying } from "./redis_retry.js";
import { ttlMs } from "./ttl.js";

const WHERE = "stores.redis(client, { flavor, cluster, failoverMs })";
/**
 * How long a command that failed at the connection level is retried by default on a
 * node-redis cluster client (ms): the cache's default `timeout` (DEFAULT_TIMEOUT in
 * src/edge/config.rs), so that a failover the cache waits out is waited out here too. 0 for every other client: ioredis retries itself,
 * a single node has no replica to take over.
 */
const DEFAULT_FAILOVER_MS = 5000;
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
    // `createCluster()`: routes commands by slot (getSlotMaster), which a single client lacks.
    isCluster: (c) => typeof c.getSlotMaster === "function",
    // Follows MOVED/ASK only: a command sent to a primary that died fails.
    retriesItself: false,
    // A client the caller closed fails every command: nothing to wait out.
    isClosed: (c) => c.isOpen === false,
  },
  ioredis: {
    methods: ["get", "set", "del", "mget"],
    set: (c, key, value, ms) => (ms === undefined ? c.set(key, value) : c.set(key, value, "PX", ms)),
    mget: (c, keys) => c.mget(keys),
    // `new Cluster(nodes)` says so (`new Redis()` has isCluster false).
    isCluster: (c) => c.isCluster === true,
    // A Cluster resends a command that met a closed connection or CLUSTERDOWN (retryDelayOn*).
    retriesItself: true,
    isClosed: (c) => c.status === "end",
  },
  upstash: {
    methods: ["get", "set", "del", "mget"],
    set: (c, key, value, ms) => (ms === undefined ? c.set(key, value) : c.set(key, value, { px: ms })),
    mget: (c, keys) => c.mget(...keys),
    // One HTTP endpoint: Upstash's service spreads keys over its nodes itself.
    isCluster: () => false,
    // @upstash/redis retries a failed request itself (its `retry` option).
    retriesItself: true,
    isClosed: () => false,
  },
};

/**
 * A store over a Redis client: node-redis v4+ (`createClient()` or `createCluster()`),
 * ioredis (`new Redis()` or `new Cluster()`) or @upstash/redis (`new Redis({ url, token,
 * automaticDeserialization: false })`). TTLs become `PX` (whole ms), deletes `DEL`,
 * `getMany` one `MGET` — on a Redis Cluster one `MGET` per hash slot, sent together, as a
 * cluster refuses keys of several slots in one command. The client's shape is detected
 * unless `flavor` names it: a `mGet` method means node-redis (its camelCase command names),
 * a `getBuffer` method means ioredis (it has a Buffer twin of every command), else a `mget`
 * method means Upstash. A cluster client is detected unless `cluster` says: node-redis's
 * has `getSlotMaster`, ioredis's has `isCluster: true`. An Upstash client must be created
 * with `automaticDeserialization: false`: by default it JSON-parses every reply, which would
 * hand back objects (or a different string) instead of the string that was stored.
 *
 * A command that failed at the connection level (its node died or was dropped, the socket
 * closed or timed out, CLUSTERDOWN, TRYAGAIN, a MOVED the client did not follow: see
 * redis_retry.js) is sent again with a short backoff for up to `failoverMs` (default 5000
 * on a node-redis cluster client, else 0: off) from its first attempt. That is safe as every
 * command sent is idempotent — GET, SET of one value with one PX, DEL, MGET — and the cache
 * sends one write per key at a time (call_order.js: a newer write of the key waits for it,
 * or is sent again if it lands after all), so a retried SET cannot leave an older value. Error replies that are answers (WRONGTYPE, OOM, NOAUTH ...) are not retried.
 * @param {object} client a connected client
 * @param {{ flavor?: "node-redis" | "ioredis" | "upstash", cluster?: boolean, failoverMs?: number }} [options]
 */
export function redis(client, options) {
  const checked = checkOptions(options, ["flavor", "cluster", "failoverMs"], WHERE);
  const { flavor = detect(client) } = checked;
  const shape = FLAVORS[flavor];
  if (shape === undefined) {
    fail("E_CONFIG", `${WHERE}: flavor must be one of ${Object.keys(FLAVORS).map((f) => `"${f}"`).join(", ")}, got ${typeName(flavor)} ${describe(flavor)}`);
  }
  expectMethods(client, shape.methods, WHERE, `a ${flavor} client`);
  const { cluster = shape.isCluster(client) } = checked;
  if (typeof cluster !== "boolean") {
    fail("E_CONFIG", `${WHERE}: cluster must be true (read many keys one MGET per hash slot) or false, got ${typeName(cluster)} ${describe(cluster)}`);
  }
  const { failoverMs = cluster && !shape.retriesItself ? DEFAULT_FAILOVER_MS : 0 } = checked;
  if (typeof failoverMs !== "number" || !Number.isFinite(failoverMs) || failoverMs < 0) {
    fail("E_CONFIG", `${WHERE}: failoverMs must be a finite number of ms >= 0 (how long a command that lost its connection is retried; 0: never), e.g. the cache's timeout (default ${DEFAULT_FAILOVER_MS}); got ${typeName(failoverMs)} ${describe(failoverMs)}`);
  }
  const retryable = (error) => isConnectionFailure(error) && !shape.isClosed(client);
  const run = failoverMs > 0 ? (send) => retrying(send, failoverMs, retryable) : (send) => send();
  const mget = cluster
    ? (keys) => mgetBySlot(shape, client, keys, run)
    : (keys) => run(() => shape.mget(client, keys));
  if (flavor === "upstash" && typeof client.opts === "object" && client.opts?.automaticDeserialization !== false) {
    fail("E_CONFIG", `${WHERE}: this @upstash/redis client JSON-parses replies, which changes cached records; create it with new Redis({ url, token, automaticDeserialization: false }) or Redis.fromEnv({ automaticDeserialization: false })`);
  }
  return {
    name: "redis",
    limits: LIMITS,
    async get(key) {
      return text(await run(() => client.get(key)));
    },
    async set(key, value, opts) {
      const ms = ttlMs(opts);
      await run(() => shape.set(client, key, value, ms));
    },
    async delete(key) {
      await run(() => client.del(key));
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      return (await mget(keys)).map(text);
    },
  };
}

/**
 * MGET of `keys` on a cluster: one per hash slot, all sent at once (each through `run`, so
 * only a failed slot's is sent again), replies put back in order.
 */
async function mgetBySlot(shape, client, keys, run) {
  const replies = new Array(keys.length);
  await Promise.all(bySlot(keys).map(async (group) => {
    const slotKeys = group.map((i) => keys[i]);
    const got = await run(() => shape.mget(client, slotKeys));
    group.forEach((i, j) => (replies[i] = got[j]));
  }));
  return replies;
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
