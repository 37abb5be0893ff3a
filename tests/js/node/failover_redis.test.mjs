// Real failover: three redis-server processes, EdgeCache with replicas: 2. One server is
// stopped (SIGTERM) in the middle of a read loop: every read still succeeds with the right
// value. It is restarted empty: reads of keys whose primary it is repair it (checked with a
// direct client).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { EdgeCache, HashRing, stores } from "edgecache";
import { startRedis } from "../support/redis.mjs";

const KEYS = 10_000;
const servers = [];
const clients = [];
const clock = { t: 0 };

async function connect(server) {
  const client = createClient({ url: server.url, disableOfflineQueue: true, socket: { reconnectStrategy: 20, connectTimeout: 500 } });
  client.on("error", () => {});
  await client.connect();
  return client;
}

before(async () => {
  for (let i = 0; i < 3; i++) servers.push(await startRedis());
  for (const s of servers) clients.push(await connect(s));
});
after(async () => {
  for (const c of clients) await c.quit().catch(() => {});
  for (const s of servers) await s.stop();
});

test("replicas: 2 survive a server stopped mid-loop, and read-repair refills it", async () => {
  const ids = servers.map((s) => `127.0.0.1:${s.port}`);
  const store = Object.fromEntries(ids.map((id, i) => [id, stores.redis(clients[i])]));
  const cache = new EdgeCache({
    store,
    replicas: 2,
    memory: false,
    timeout: 500,
    now: () => clock.t,
    ttl: 3_600_000,
    circuitBreaker: { failures: 3, cooldown: 5_000 },
  });
  for (let i = 0; i < KEYS; i += 500) {
    await Promise.all(Array.from({ length: 500 }, (_, j) => cache.set(`user:${i + j}`, { id: i + j })));
  }

  const victim = 1;
  let errors = 0;
  let wrong = 0;
  for (let i = 0; i < KEYS; i++) {
    if (i === KEYS / 4) await servers[victim].stop();
    let v;
    try {
      v = await cache.get(`user:${i}`);
    } catch {
      errors++;
      continue;
    }
    if (v?.id !== i) wrong++;
  }
  assert.equal(errors, 0, "no error reached the caller");
  assert.equal(wrong, 0, "every value was the right one");
  const down = cache.stats().shards[ids[victim]];
  assert.ok(down.errors > 0 && down.skippedWhileOpen > 0, `the dead shard was skipped: ${JSON.stringify(down)}`);

  await servers[victim].restart();
  while (!clients[victim].isReady) await new Promise((r) => setTimeout(r, 20)); // reconnect
  clock.t += 5_000; // past the breaker's cool-down
  const ring = new HashRing(ids);
  const primaryOfVictim = [];
  for (let i = 0; i < KEYS; i++) {
    assert.deepEqual(await cache.get(`user:${i}`), { id: i });
    if (ring.node(`ec:k:user:${i}`) === ids[victim]) primaryOfVictim.push(i);
  }
  await cache.flush();
  assert.ok(primaryOfVictim.length > KEYS / 5, "the victim was primary for about a third of the keys");
  const repaired = await clients[victim].mGet(primaryOfVictim.map((i) => `ec:k:user:${i}`));
  const missing = repaired.filter((r) => r === null).length;
  assert.equal(missing, 0, `every key whose primary restarted empty was repaired (${missing} missing)`);
  assert.equal(cache.stats().shards[ids[victim]].repairs, primaryOfVictim.length);
});
