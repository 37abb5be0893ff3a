// EdgeCache over a real redis-server (node-redis client): the shared real-store cases,
// then failover: the server dies mid-loop and every read is still answered.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import * as lib from "edgecache";
import { storeCases } from "../cases/edge_store.mjs";
import { startRedis } from "../support/redis.mjs";

let server;
let client;
before(async () => {
  server = await startRedis();
  client = createClient({ url: server.url, socket: { reconnectStrategy: 50 } });
  client.on("error", () => {});
  await client.connect();
  real.raw = lib.stores.redis(client);
  real.limits = real.raw.limits;
});
after(async () => {
  await client?.quit().catch(() => {});
  await server?.stop();
});

/** Fresh adapters over the one server; `raw` and `limits` are set once it is up. */
const real = () => lib.stores.redis(client);

for (const [name, fn] of storeCases) test(name, () => fn(lib, real));

test("redis down: memory, stale and the loader still answer; nothing throws", async () => {
  const clock = { t: 0 };
  const cache = new lib.EdgeCache({ store: lib.stores.redis(client), namespace: "down", now: () => clock.t, ttl: 1000, staleIfError: 60_000, timeout: 200 });
  await cache.set("a", "A");
  await server.kill("SIGKILL");
  assert.equal(await cache.get("a"), "A", "memory");
  clock.t += 2000;
  assert.equal(await cache.getOrSet("a", () => { throw new Error("origin down too"); }), "A", "stale-if-error");
  assert.equal(await cache.getOrSet("b", () => "B"), "B", "the loader");
  assert.ok(cache.stats().store.errors + cache.stats().store.timeouts >= 1);
  await cache.flush();
  await server.restart();
});
