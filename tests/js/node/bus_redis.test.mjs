// buses.redis over a real redis-server, in one process: node-redis and ioredis, a caller's
// own subscriber, and an outage (the server killed, then back) that only brings back the
// memoryTtl bound: error events (tier "bus"), no failed call, messages again once it is up.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import Redis from "ioredis";
import * as lib from "edgecache";
import { startRedis } from "../support/redis.mjs";

let server;
const clients = [];
before(async () => {
  server = await startRedis();
});
after(async () => {
  for (const c of clients) await c.quit().catch(() => {});
  await server?.stop();
});

async function nodeRedis() {
  const client = createClient({ url: server.url, socket: { reconnectStrategy: 20 } });
  client.on("error", () => {});
  await client.connect();
  clients.push(client);
  return client;
}

function ioredis() {
  const client = new Redis(server.port, "127.0.0.1", { retryStrategy: () => 20, maxRetriesPerRequest: 1 });
  client.on("error", () => {});
  clients.push(client);
  return client;
}

/** Polls until `check()` holds (at most 5 s of real time); whether it did. */
async function eventually(check) {
  for (let i = 0; i < 500; i++) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

/**
 * Two caches over one in-process store, each with a bus from `bus()`, once `connections`
 * subscribe to `channel` (one shared subscriber of the caller's: 1).
 */
async function pair(bus, channel, events = [], connections = 2) {
  const store = lib.stores.memory();
  const options = { store, ttl: 600_000, memoryTtl: 300_000, timeout: 300, onEvent: (e) => e.type === "error" && events.push(e) };
  const a = new lib.EdgeCache({ ...options, bus: bus() });
  const b = new lib.EdgeCache({ ...options, bus: bus() });
  const probe = await nodeRedis();
  assert.ok(await eventually(async () => (await probe.pubSubNumSub(channel))[channel] >= connections), `both subscribed (${events.map((e) => e.error).join("; ")})`);
  return { a, b };
}

async function deleteReaches(a, b, key) {
  await a.set(key, "v0");
  assert.equal(await b.get(key), "v0");
  await a.delete(key);
  return eventually(async () => (await b.get(key)) === undefined);
}

test("buses.redis carries a delete between caches with node-redis, ioredis, and a subscriber of the caller's", async () => {
  const nr = await nodeRedis();
  const one = await pair(() => lib.buses.redis(nr, { channel: "nr" }), "nr");
  assert.ok(await deleteReaches(one.a, one.b, "k"), "node-redis");
  const io = ioredis();
  const two = await pair(() => lib.buses.redis(io, { channel: "io" }), "io");
  assert.ok(await deleteReaches(two.a, two.b, "k"), "ioredis");
  const own = await nodeRedis();
  const three = await pair(() => lib.buses.redis(nr, { channel: "own", subscriber: own }), "own", [], 1);
  assert.ok(await deleteReaches(three.a, three.b, "k"), "the caller's subscriber");
  for (const { a, b } of [one, two, three]) {
    await a.dispose();
    await b.dispose();
  }
  assert.equal(own.isOpen, true, "the caller's subscriber is left open");
  const probe = await nodeRedis();
  assert.ok(await eventually(async () => (await probe.pubSubNumSub("nr")).nr === 0 && (await probe.pubSubNumSub("own")).own === 0), "dispose unsubscribes");
});


test("buses.redis: the server down is error events (tier bus), never a failed call; back up, deletes reach the others again", async () => {
  const events = [];
  const publisher = await nodeRedis();
  const { a, b } = await pair(() => lib.buses.redis(publisher, { channel: "down" }), "down", events);
  await server.kill("SIGKILL");
  await a.set("k", "v0");
  assert.equal(await b.get("k"), "v0");
  const started = performance.now();
  assert.equal(await a.delete("k"), true, "the delete answers");
  assert.ok(performance.now() - started < 1000, "without waiting for the bus");
  await a.flush();
  assert.ok(events.some((e) => e.tier === "bus"), "reported");
  assert.equal(await b.get("k"), "v0", "b's memory: the memoryTtl bound");
  await server.restart();
  const probe = await nodeRedis();
  assert.ok(await eventually(async () => (await probe.pubSubNumSub("down")).down >= 2), "subscribed again");
  assert.ok(await deleteReaches(a, b, "j"), "messages flow again");
  await a.dispose();
  await b.dispose();
});
