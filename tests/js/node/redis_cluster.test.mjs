// Redis Cluster: six real redis-server processes on loopback (three primaries, a replica
// each), through node-redis `createCluster` and ioredis `Cluster`. A cluster refuses a
// command whose keys lie in several hash slots (CROSSSLOT): batched reads must go out one
// MGET per slot.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createCluster } from "redis";
import { Cluster as IORedisCluster } from "ioredis";
import { EdgeCache, stores } from "edgecache";
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
  });
}
