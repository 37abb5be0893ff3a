// Redis Cluster: six real redis-server processes on loopback (three primaries, a replica
// each), through node-redis `createCluster` and ioredis `Cluster`. A cluster refuses a
// command whose keys lie in several hash slots (CROSSSLOT): batched reads must go out one
// MGET per slot.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createCluster } from "redis";
import { Cluster as IORedisCluster } from "ioredis";
import { EdgeCache, EdgeCacheError, buses, stores } from "edgecache";
import { crc16, hashSlot } from "../../../pkg/dist/testing.js";
import { startRedisCluster } from "../support/redis_cluster.mjs";

let cluster;
const clients = {};
before(async () => {
  cluster = await startRedisCluster();
  const rootNodes = cluster.rootNodes;
  clients["node-redis"] = createCluster({ rootNodes: rootNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) });
  clients["node-redis"].on("error", () => {});
  await clients["node-redis"].connect();
  clients.ioredis = new IORedisCluster(rootNodes);
});
after(async () => {
  await clients["node-redis"]?.close().catch(() => {});
  clients.ioredis?.disconnect();
  await cluster?.stop();
});

test("hashSlot is CRC-16/XMODEM mod 16384 over the {hash tag}, as CLUSTER KEYSLOT answers", async () => {
  assert.equal(crc16(new TextEncoder().encode("123456789")), 0x31c3, "the CRC-16/XMODEM check value");
  const keys = ["", "foo", "123456789", "{user1000}.following", "{user1000}.followers", "foo{}{bar}", "foo{{bar}}zap",
    "foo{bar}{zap}", "{", "}{", "a{b", "{}", "héllo ✓ 𝄞", "{é}x", "ec:k:user:42", ...Array.from({ length: 500 }, (_, i) => `key:${i * 7919}`)];
  const port = cluster.nodes[0].port;
  const answers = (await cluster.cli(port, "--no-raw", "EVAL", "local r = {} for i, k in ipairs(ARGV) do r[i] = redis.call('CLUSTER', 'KEYSLOT', k) end return r", "0", ...keys))
    .split("\n").map((line) => Number(line.replace(/^\s*\d+\)\s*\(integer\)\s*/, "")));
  assert.equal(answers.length, keys.length);
  assert.deepEqual(keys.map(hashSlot), answers);
});

test("stores.redis: cluster: false sends one MGET over many slots, which the cluster refuses; a non-boolean is E_CONFIG", async () => {
  const plain = stores.redis(clients.ioredis, { cluster: false });
  await assert.rejects(plain.getMany(["a", "b", "c"]), /CROSSSLOT/);
  assert.throws(() => stores.redis(clients.ioredis, { cluster: "yes" }), (e) => e instanceof EdgeCacheError && e.code === "E_CONFIG" && /cluster must be true/.test(e.message));
});

for (const flavor of ["node-redis", "ioredis"]) {
  describe(flavor, () => {
    test("getMany reads keys of many hash slots, in order, misses as null", async () => {
      const s = stores.redis(clients[flavor]);
      const keys = Array.from({ length: 60 }, (_, i) => `${flavor}:many:${i}`);
      for (const [i, k] of keys.entries()) if (i % 3 !== 0) await s.set(k, `v${i}`, {});
      const tagged = ["{t}a", "{t}b"];
      for (const k of tagged) await s.set(k, k, {});
      const got = await s.getMany([...keys, ...tagged, keys[1]]);
      assert.deepEqual(got, [...keys.map((_, i) => (i % 3 === 0 ? null : `v${i}`)), ...tagged, "v1"]);
    });

    test("EdgeCache over the cluster: concurrent reads batched into one getMany all answer", async () => {
      const cache = new EdgeCache({ store: stores.redis(clients[flavor]), namespace: `${flavor}-batch`, memory: false });
      const keys = Array.from({ length: 50 }, (_, i) => `k${i}`);
      await Promise.all(keys.map((k, i) => cache.set(k, { i })));
      assert.deepEqual(await cache.getMany(keys), keys.map((_, i) => ({ i })));
      assert.deepEqual(await Promise.all(keys.map((k) => cache.get(k))), keys.map((_, i) => ({ i })));
      const { store } = cache.stats();
      assert.equal(store.errors, 0, `no failed store read: ${JSON.stringify(store)}`);
    });

    test("buses.redis over the cluster client: a set and a delete reach another cache's memory (cluster pub/sub)", async () => {
      const errors = [];
      const make = () => new EdgeCache({ store: stores.redis(clients[flavor]), namespace: `${flavor}-bus`, memoryTtl: 300_000, bus: buses.redis(clients[flavor], { channel: `bus-${flavor}` }), onEvent: (e) => e.type === "error" && errors.push(e) });
      const [a, b] = [make(), make()];
      try {
        /** Whether b reads `expected` for `key` within `tries` × 10 ms. */
        const seen = async (key, expected, tries = 500) => {
          for (let i = 0; i < tries; i++) {
            if ((await b.get(key)) === expected) return true;
            await new Promise((resolve) => setTimeout(resolve, 10));
          }
          return false;
        };
        // The subscribers connect in the background: until a message gets through, b keeps
        // what it read (memoryTtl 300 s).
        await a.set("probe", 0);
        assert.equal(await b.get("probe"), 0);
        let subscribed = false;
        for (let n = 1; n <= 50 && !subscribed; n++) {
          await a.set("probe", n);
          subscribed = await seen("probe", n, 20);
        }
        assert.ok(subscribed, "the bus delivered a message");
        await a.set("k", "v0");
        assert.equal(await b.get("k"), "v0");
        await a.set("k", "v1");
        assert.ok(await seen("k", "v1"), "the set reached b's memory (memoryTtl is 300 s)");
        await a.delete("k");
        assert.ok(await seen("k", undefined), "the delete reached b's memory");
        assert.deepEqual(errors, []);
      } finally {
        await a.dispose();
        await b.dispose();
      }
    });
  });
}

describe("failover of a primary: killed mid-loop, its replica promoted", () => {
  /**
   * ioredis retries a command that met a closed connection or CLUSTERDOWN (every
   * `retryDelayOn*` ms, up to `maxRedirections` times: 10 s here) and refreshes its slot
   * map. node-redis (6.3) follows MOVED/ASK only: a command in flight to the dead node
   * fails (SocketClosedUnexpectedlyError, ECONNRESET), one sent after waits in the node's
   * offline queue and fails (DisconnectsClientError) when a topology refresh finds the
   * replica promoted; stores.redis sends both again (`failoverMs`).
   * `topologyRefreshOnReconnectionAttemptStrategy` makes node-redis look for the new
   * primary after 200 ms of failed reconnects instead of 5 s.
   */
  const failoverClients = {
    "node-redis": async () => {
      const c = createCluster({
        rootNodes: cluster.rootNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
        defaults: { socket: { connectTimeout: 500, reconnectStrategy: 100 } },
        topologyRefreshOnReconnectionAttemptStrategy: 200,
      });
      c.on("error", () => {});
      await c.connect();
      return { client: c, close: () => c.destroy() }; // close() would wait on the dead node
    },
    ioredis: async () => {
      const c = new IORedisCluster(cluster.rootNodes, {
        retryDelayOnFailover: 200,
        retryDelayOnClusterDown: 200,
        maxRedirections: 50,
        redisOptions: { connectTimeout: 500 },
      });
      c.on("error", () => {});
      return { client: c, close: () => c.disconnect() };
    },
  };

  /**
   * Runs 8 workers of sets and gets (memory off: every call reaches the cluster) over 300
   * keys, kills a primary serving slots after 300 ms, and stops 300 ms after every other
   * node sees the replica promoted. Returns the caller-visible errors, after a flush the
   * write-behind queue's stats, and the keys that read back older than the last write
   * answered 100 ms or more before the kill, or not at all (`lost`): a write answered just
   * before may not have reached the replica (replication is asynchronous), one answered
   * 100 ms before has. The killed node is restarted (it rejoins as a replica).
   */
  async function failover(t, flavor, options, storeOptions) {
    const { client, close } = await failoverClients[flavor]();
    const store = stores.redis(client, storeOptions);
    // Failed and timed-out store calls by kind, for the diagnostic line.
    const storeFailures = {};
    const onEvent = (e) => {
      if (e.tier !== "store" || (e.type !== "error" && e.type !== "timeout")) return;
      const kind = `${e.type} ${e.op}: ${e.error?.constructor?.name} ${String(e.error?.message).slice(0, 60)}`;
      storeFailures[kind] = (storeFailures[kind] ?? 0) + 1;
    };
    const cache = new EdgeCache({ store, namespace: `${flavor}-${options.writeMode}`, memory: false, onEvent, ...options });
    const serving = (await cluster.view(cluster.nodes[0].port)).find((n) => n.role === "master" && !n.failed && n.slots.length > 0);
    const victim = cluster.nodes.find((n) => n.port === serving.port);
    try {
      await Promise.all(Array.from({ length: 300 }, (_, i) => cache.set(`k${i}`, { n: 0 })));
      await cache.flush();
      const loop = readWriteLoop(cache, 300, 8);
      await new Promise((r) => setTimeout(r, 300));
      const opsBefore = loop.tally.ops;
      loop.killedAt = Date.now();
      await victim.kill("SIGKILL");
      await cluster.failedOver(victim);
      const recoverMs = Date.now() - loop.killedAt;
      await new Promise((r) => setTimeout(r, 300));
      const { tally, errors } = await loop.stop();
      await cache.flush();
      const { writeBehind } = cache.stats();
      const after = await Promise.all(loop.settledBefore.map((_, i) => cache.get(`k${i}`)));
      const lost = loop.settledBefore.flatMap((n, i) => (after[i] === undefined || after[i].n < n ? [`k${i}`] : []));
      t.diagnostic(JSON.stringify({ flavor, writeMode: options.writeMode, recoverMs, ...tally, errors: errors.length, lost: lost.length, writeBehind, storeFailures }));
      assert.ok(opsBefore > 100 && tally.ops > opsBefore + 100, `the loop ran before, during and after the failover (${opsBefore}, ${tally.ops} calls)`);
      return { errors, writeBehind, lost };
    } finally {
      await close();
      await victim.restart();
      await cluster.ready();
    }
  }

  test("ioredis, writes through: no caller-visible error, every write made before the kill is read back", async (t) => {
    const { errors, lost } = await failover(t, "ioredis", { writeMode: "through" });
    assert.deepEqual(errors, [], "no error reached the caller");
    assert.deepEqual(lost, [], "every write made before the kill is read back");
  });

  test("node-redis, writes behind (the queue retries): no caller-visible error, every write lands", async (t) => {
    const { errors, writeBehind, lost } = await failover(t, "node-redis", { writeMode: "behind", writeBehind: { retries: 6, retryDelay: 200 } });
    assert.deepEqual(errors, [], "no error reached the caller");
    assert.deepEqual(lost, [], "every write made before the kill is read back");
    assert.equal(writeBehind.deadLetters, 0, "no write was given up on");
    assert.equal(writeBehind.depth, 0, "every queued write was sent");
  });

  /**
   * The failover here takes 2–3 s (cluster-node-timeout 1 s, the election, node-redis's
   * topology refresh); the cache's `timeout` and the adapter's `failoverMs` give it 10 s,
   * so that a loaded machine's slower failover still ends within them (the defaults, 5 s
   * each, hold it too, with less to spare).
   */
  test("node-redis, writes through: stores.redis sends commands cut off by the dead primary again: no caller-visible error", async (t) => {
    const { errors, lost } = await failover(t, "node-redis", { writeMode: "through", timeout: 10_000 }, { failoverMs: 10_000 });
    assert.deepEqual(errors.map((e) => e.message), [], "no error reached the caller");
    assert.deepEqual(lost, [], "every write made before the kill is read back");
  });
});

/**
 * `workers` concurrent loops over `keys` keys (written before), each alternating a `set` (of
 * the time it was asked) and a `get` through `cache`, until `stop()`, which resolves with the
 * tally — calls, reads that fell back to a miss, reads that found a value older than one
 * written before, the slowest call since `killedAt` (ms) — and the errors that reached the
 * caller. `settledBefore[i]`: the newest value of key i whose write was answered 100 ms or
 * more before `killedAt` (the values written before the loop: 0).
 */
function readWriteLoop(cache, keys, workers) {
  const latest = new Array(keys).fill(-1);
  const answered = Array.from({ length: keys }, () => []); // [value, answeredAt] of each write
  const tally = { ops: 0, fellBack: 0, older: 0, slowestMs: 0 };
  const errors = [];
  let running = true;
  const state = { tally, killedAt: 0, settledBefore: [], stop: async () => {
    running = false;
    await Promise.all(loops);
    state.settledBefore = answered.map((writes) => Math.max(0, ...writes.filter(([, at]) => at <= state.killedAt - 100).map(([n]) => n)));
    return { tally, errors };
  } };
  const worker = async (w) => {
    for (let round = 0; running; round++) {
      const i = (w * 37 + round * 11) % keys;
      const t0 = Date.now();
      try {
        if (round % 2 === 0) {
          await cache.set(`k${i}`, { n: t0 });
          latest[i] = Math.max(latest[i], t0);
          answered[i].push([t0, Date.now()]);
        } else {
          const written = latest[i];
          const v = await cache.get(`k${i}`);
          if (v === undefined) tally.fellBack++;
          else if (v.n < written) tally.older++;
        }
      } catch (e) {
        errors.push(e);
      }
      tally.ops++;
      if (state.killedAt > 0) tally.slowestMs = Math.max(tally.slowestMs, Date.now() - t0);
    }
  };
  const loops = Array.from({ length: workers }, (_, w) => worker(w));
  return state;
}
