// Cross-isolate single flight over a real redis-server: eight Node processes (isolates) miss
// one cold key at once, without a coordinator (each loads) and with coordinators.redis (one
// loads, the others read its value from the store); a lease holder killed mid-load is
// replaced once its lease expires; ioredis as the coordinator's client; a coordinator that
// fails or hangs costs an `error` event, never a call.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createClient } from "redis";
import { Redis } from "ioredis";
import { EdgeCache, coordinators, stores } from "edgecache";
import { startRedis } from "../support/redis.mjs";

const ISOLATE = fileURLToPath(new URL("../support/lease_isolate.mjs", import.meta.url));
const ISOLATES = 8;
const LOADER_MS = 100;

let server;
let client;
let io;
before(async () => {
  server = await startRedis();
  client = createClient({ url: server.url });
  await client.connect();
  io = new Redis(server.url, { lazyConnect: true });
  await io.connect();
});
after(async () => {
  await client?.quit().catch(() => {});
  io?.disconnect();
  await server?.stop();
});

/** Starts one isolate process; resolves once it is connected and waiting for "go". */
async function isolate(key, mode, loaderMs = LOADER_MS, leaseMs) {
  const args = [ISOLATE, server.url, key, String(loaderMs), mode, ...(leaseMs === undefined ? [] : [String(leaseMs)])];
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const first = await lines.next();
  assert.equal(first.value, "ready", "the isolate started");
  return {
    child,
    go: () => child.stdin.write("go\n"),
    /** `{ ms, loaded }`: what the isolate printed once its call was answered */
    result: async () => JSON.parse((await lines.next()).value),
  };
}

/** Runs `n` isolates for `key` at once: each one's `{ ms, loaded }`, and the loader calls counted in Redis. */
async function race(key, mode, n = ISOLATES) {
  const all = await Promise.all(Array.from({ length: n }, () => isolate(key, mode)));
  for (const one of all) one.go();
  const results = await Promise.all(all.map((one) => one.result()));
  await Promise.all(all.map((one) => (one.child.exitCode === null ? once(one.child, "exit") : null)));
  return { results, loads: Number(await client.get(`loads:${key}`)) };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (ms) => Math.round(ms);

test(`before: ${ISOLATES} isolates without a coordinator each load a cold key`, async (t) => {
  const { results, loads } = await race("cold-before", "none");
  t.diagnostic(`before: ${loads} loader calls for one cold key across ${ISOLATES} isolates; call time median ${round(median(results.map((r) => r.ms)))} ms (loader ${LOADER_MS} ms)`);
  assert.equal(results.filter((r) => r.loaded).length, loads);
  assert.ok(loads >= 2, `the isolates missed the key at once (${loads} loads): the race this test measures happened`);
});

test(`after: ${ISOLATES} isolates with coordinators.redis make one loader call; the others read its value`, async (t) => {
  const { results, loads } = await race("cold-after", "lease");
  assert.equal(loads, 1);
  const winner = results.find((r) => r.loaded);
  const waiters = results.filter((r) => !r.loaded);
  assert.equal(waiters.length, ISOLATES - 1);
  const added = median(waiters.map((r) => r.ms)) - winner.ms;
  t.diagnostic(`after: ${loads} loader call across ${ISOLATES} isolates; the loader's isolate answered in ${round(winner.ms)} ms (loader ${LOADER_MS} ms), the waiters in median ${round(median(waiters.map((r) => r.ms)))} ms, max ${round(Math.max(...waiters.map((r) => r.ms)))} ms: ${round(added)} ms added for a waiter`);
  // Every isolate got the one loaded value (the store holds it).
  const cache = new EdgeCache({ store: stores.redis(client), namespace: "isolates" });
  assert.ok((await cache.get("cold-after"))?.by > 0);
  assert.ok(added < 200, `a waiter answers soon after the load (${round(added)} ms later)`);
});

test("a lease holder that dies mid-load: a waiter takes over once its lease expires", async () => {
  const leaseMs = 80;
  const holder = await isolate("orphan", "lease", 60_000, leaseMs);
  holder.go();
  while (Number(await client.get("loads:orphan")) === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  holder.child.kill("SIGKILL");
  await once(holder.child, "exit");
  const t0 = performance.now();
  // Over ioredis this time: the same lease key, the same protocol.
  const cache = new EdgeCache({ store: stores.redis(io), namespace: "isolates", coordinator: coordinators.redis(io, { leaseMs }) });
  let calls = 0;
  assert.equal(await cache.getOrSet("orphan", () => ++calls), 1);
  const waited = performance.now() - t0;
  assert.equal(calls, 1);
  assert.ok(waited < leaseMs + 500, `taken over soon after the lease's end (${round(waited)} ms)`);
  await cache.flush();
});

test("several caches in one process over ioredis: one load for a cold key", async () => {
  const caches = Array.from({ length: 4 }, () => new EdgeCache({ store: stores.redis(io), namespace: "io", coordinator: coordinators.redis(io) }));
  let calls = 0;
  const loader = async () => {
    calls++;
    await new Promise((resolve) => setTimeout(resolve, 30));
    return "v";
  };
  assert.deepEqual(await Promise.all(caches.map((c) => c.getOrSet("k", loader))), ["v", "v", "v", "v"]);
  assert.equal(calls, 1);
  await Promise.all(caches.map((c) => c.flush()));
  assert.deepEqual(await io.keys("lease:*"), [], "every lease was released (or has expired)");
});

/**
 * `n` caches (each its own memory tier, as isolates have) over the real store, on one
 * injected clock, with `coordinators.redis` unless `coordinated` is false.
 */
function isolatesInProcess(namespace, n, { coordinated = true, ...options } = {}) {
  const clock = { t: 1_000_000 };
  const coordinator = coordinated ? { coordinator: coordinators.redis(io) } : {};
  const caches = Array.from({ length: n }, () => new EdgeCache({ store: stores.redis(io), namespace, now: () => clock.t, ttl: 1000, ...coordinator, ...options }));
  return { clock, caches };
}

/** A loader that counts its calls and answers `{ version }` after `ms`. */
function slowLoader(ms) {
  const loader = async () => {
    loader.calls++;
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { version: loader.calls };
  };
  loader.calls = 0;
  return loader;
}

for (const coordinated of [false, true]) {
  test(`a stale entry in 4 caches at once: ${coordinated ? "one background refresh loads, the others take its value from the store" : "without a coordinator each cache refreshes"}`, async (t) => {
    const { clock, caches } = isolatesInProcess(`swr-${coordinated}`, 4, { coordinated, staleWhileRevalidate: 60_000 });
    const loader = slowLoader(30);
    for (const cache of caches) assert.deepEqual(await cache.getOrSet("k", loader), { version: 1 });
    clock.t += 1500; // past the TTL, inside the stale window: every memory tier holds a stale entry
    const stale = await Promise.all(caches.map((cache) => cache.getOrSet("k", loader)));
    assert.deepEqual(stale, caches.map(() => ({ version: 1 })), "stale at once");
    await Promise.all(caches.map((cache) => cache.flush()));
    const refreshes = loader.calls - 1;
    t.diagnostic(`${refreshes} loader calls to refresh one stale key in 4 caches ${coordinated ? "with" : "without"} a coordinator`);
    assert.equal(refreshes, coordinated ? 1 : 4);
    const fresh = await Promise.all(caches.map((cache) => cache.getOrSet("k", loader)));
    const expected = coordinated ? 2 : undefined;
    for (const value of fresh) assert.ok(coordinated ? value.version === expected : value.version > 1, `fresh after the refresh: ${JSON.stringify(fresh)}`);
    assert.equal(loader.calls - 1, refreshes, "the waiters' memory tiers hold the refreshed value: no load after");
  });
}

test("a stale entry refreshed in one cache, then found stale in another: that one takes the refreshed value from the store instead of loading", async () => {
  const { clock, caches } = isolatesInProcess("swr-after", 2, { staleWhileRevalidate: 60_000 });
  const [a, b] = caches;
  const loader = slowLoader(5);
  assert.deepEqual(await a.getOrSet("k", loader), { version: 1 });
  assert.deepEqual(await b.getOrSet("k", loader), { version: 1 });
  clock.t += 1500; // past the TTL: both memory tiers hold a stale entry
  assert.deepEqual(await a.getOrSet("k", loader), { version: 1 });
  await a.flush(); // a's refresh loaded, wrote and released the lease
  assert.deepEqual(await b.getOrSet("k", loader), { version: 1 }, "stale, refreshed in the background");
  await b.flush();
  assert.deepEqual(await b.getOrSet("k", loader), { version: 2 });
  assert.equal(loader.calls, 2, "b took a's refreshed value");
  await Promise.all(caches.map((cache) => cache.dispose()));
});

test("write-behind with a coordinator: the lease outlives the queued write, so the waiters find it instead of loading again", async () => {
  const { caches } = isolatesInProcess("behind", 4, { writeMode: "behind", writeBehind: { maxDelay: 200 } });
  const loader = slowLoader(10);
  const values = await Promise.all(caches.map((cache) => cache.getOrSet("k", loader)));
  assert.deepEqual(values, caches.map(() => ({ version: 1 })));
  assert.equal(loader.calls, 1);
  await Promise.all(caches.map((cache) => cache.flush()));
});

test("write-behind with a coordinator: the lease is released once the queued write lands, so a later miss of the key does not wait for it to expire", async () => {
  const { caches } = isolatesInProcess("behind-landed", 2, { writeMode: "behind", writeBehind: { maxDelay: 20 } });
  const [a, b] = caches;
  const loader = slowLoader(10);
  assert.deepEqual(await a.getOrSet("k", loader), { version: 1 });
  await a.flush(); // the write landed
  await a.delete("k");
  await a.flush();
  const t0 = performance.now();
  assert.deepEqual(await b.getOrSet("k", loader), { version: 2 });
  const ms = performance.now() - t0;
  assert.ok(ms < 1000, `b loaded at once, not once a's lease (72 s with the default timeouts) expired: ${Math.round(ms)} ms`);
  await Promise.all(caches.map((cache) => cache.dispose()));
});

/** A cache over the real store with `coordinator`, its `error` events collected. */
function withCoordinator(coordinator, namespace) {
  const errors = [];
  const cache = new EdgeCache({ store: stores.redis(client), namespace, timeout: 50, coordinator, onEvent: (e) => e.type === "error" && errors.push(e) });
  return { cache, errors };
}

test("a coordinator that fails: the isolate loads on its own, an error event says so", async () => {
  const failing = { acquire: async () => { throw new Error("coordinator down"); }, release: async () => {} };
  const { cache, errors } = withCoordinator(failing, "down");
  let calls = 0;
  const results = await Promise.all([1, 2, 3].map(() => cache.getOrSet("k", async () => ++calls)));
  assert.deepEqual(results, [1, 1, 1], "per-isolate single flight still holds");
  assert.equal(errors.length, 1);
  assert.equal(errors[0].tier, "coordinator");
  assert.equal(errors[0].error.message, "coordinator down");
  await cache.flush();
});

test("a coordinator that hangs: given up after the store timeout, the isolate loads", async () => {
  const hanging = { acquire: () => new Promise(() => {}), release: () => new Promise(() => {}) };
  const { cache, errors } = withCoordinator(hanging, "hang");
  const t0 = performance.now();
  assert.equal(await cache.getOrSet("k", () => "loaded"), "loaded");
  assert.ok(performance.now() - t0 < 1000);
  assert.equal(errors[0]?.tier, "coordinator");
  assert.equal(errors[0].error.name, "TimeoutError");
});

test("a release that fails is an error event, not a failed call", async () => {
  const real = coordinators.redis(client);
  const { cache, errors } = withCoordinator({ acquire: real.acquire, release: async () => { throw new Error("release lost"); } }, "release");
  assert.equal(await cache.getOrSet("k", () => "v"), "v");
  await cache.flush();
  assert.deepEqual(errors.map((e) => [e.tier, e.op, e.error.message]), [["coordinator", "release", "release lost"]]);
});

test("an acquire that resolves to something else than a token or null is a coordinator failure", async () => {
  const { cache, errors } = withCoordinator({ acquire: async () => 42, release: async () => {} }, "odd");
  assert.equal(await cache.getOrSet("k", () => "v"), "v");
  assert.equal(errors[0].error.code, "E_COORDINATOR");
});

test("bad coordinators are E_CONFIG errors that say how to fix them", () => {
  const store = stores.redis(client);
  assert.throws(() => new EdgeCache({ coordinator: coordinators.redis(client) }), { code: "E_CONFIG", message: /needs a store/ });
  assert.throws(() => new EdgeCache({ store, coordinator: store }), { code: "E_CONFIG", message: /acquire\/release.*Workers KV alone cannot/ });
  assert.throws(() => new EdgeCache({ store, coordinator: "redis" }), { code: "E_CONFIG" });
  assert.throws(() => coordinators.redis(client, { leaseMs: 10, color: 1 }), { code: "E_CONFIG", message: /unknown option "color"/ });
  assert.throws(() => new EdgeCache({ store, coordinator: coordinators.redis(client, { leaseMs: -1 }) }), { code: "E_CONFIG", message: /leaseMs/ });
  assert.throws(() => coordinators.redis({ set() {}, eval() {} }), { code: "E_CONFIG", message: /flavor/ });
});
