// A sharded EdgeCache (several stores on a ketama ring): placement on replicas, failover,
// breakers, read-repair, adding and removing stores. Runtime-neutral cases [name, fn(lib)].
import { equal, ok, throwsCode } from "./check.mjs";
import { faulty } from "../support/faulty_store.mjs";
import { hooked, pause, stored } from "./edge_support.mjs";

function shards(lib, n = 3, more = {}) {
  const clock = { t: 0 };
  const now = () => clock.t;
  const bases = {};
  const stores = {};
  for (let i = 1; i <= n; i++) {
    const id = `10.0.0.${i}:6379`;
    bases[id] = lib.stores.memory({ now });
    stores[id] = faulty(bases[id], { seed: i });
  }
  const make = (extra = {}) => new lib.EdgeCache({ store: stores, replicas: 2, now, memory: false, ttl: 60_000, ...more, ...extra });
  return { clock, bases, stores, make, cache: make() };
}

const storeKey = (k) => `ec:k:${k}`;

/** A key whose owners on a ring of `ids` (data keys "ec:k:<key>") start with `owners`. */
function keyOwnedBy(lib, ids, owners, prefix) {
  const ring = new lib.HashRing(ids);
  for (let i = 0; ; i++) {
    const got = ring.nodes(`ec:k:${prefix}${i}`, owners.length);
    if (owners.every((id, j) => got[j] === id)) return `${prefix}${i}`;
  }
}

export const shardCases = [
  ["each key lives on `replicas` shards, the ring's owners", async (lib) => {
    const { cache, bases } = shards(lib);
    const ring = new lib.HashRing(Object.keys(bases));
    for (let i = 0; i < 60; i++) await cache.set(`k${i}`, i);
    for (let i = 0; i < 60; i++) {
      const owners = ring.nodes(storeKey(`k${i}`), 2);
      const holders = [];
      for (const [id, base] of Object.entries(bases)) if ((await base.get(storeKey(`k${i}`))) !== null) holders.push(id);
      equal(holders.sort(), [...owners].sort(), `k${i}`);
    }
  }],

  ["a dead primary: reads are answered by the replica, then its breaker opens", async (lib) => {
    const { cache, stores, make, clock } = shards(lib, 3, { circuitBreaker: { failures: 3, cooldown: 1000 } });
    for (let i = 0; i < 100; i++) await cache.set(`k${i}`, { i });
    const dead = "10.0.0.2:6379";
    stores[dead].down(true);
    const reader = make({ circuitBreaker: { failures: 3, cooldown: 1000 } });
    for (let i = 0; i < 100; i++) equal(await reader.get(`k${i}`), { i }, `k${i} while a shard is down`);
    const s = reader.stats().shards[dead];
    ok(s.errors >= 3 && s.skippedWhileOpen > 0 && s.open, `breaker opened: ${JSON.stringify(s)}`);
    const calls = stores[dead].calls.get;
    for (let i = 0; i < 100; i++) await reader.get(`k${i}`);
    equal(stores[dead].calls.get, calls, "skipped while open");
    stores[dead].down(false);
    clock.t += 1000;
    for (let i = 0; i < 100; i++) await reader.get(`k${i}`);
    ok(stores[dead].calls.get > calls, "tried again after the cool-down");
    equal(reader.stats().shards[dead].open, false);
  }],

  ["read-repair: a value found on a replica is written back to the primary", async (lib) => {
    const { cache, bases, make } = shards(lib);
    const ring = new lib.HashRing(Object.keys(bases));
    for (let i = 0; i < 100; i++) await cache.set(`k${i}`, i);
    const wiped = "10.0.0.1:6379";
    const lost = [];
    for (let i = 0; i < 100; i++) {
      if (ring.node(storeKey(`k${i}`)) === wiped) {
        lost.push(i);
        await bases[wiped].delete(storeKey(`k${i}`)); // the primary restarted empty
      }
    }
    ok(lost.length > 10, "some keys had that primary");
    const reader = make();
    for (const i of lost) equal(await reader.get(`k${i}`), i);
    await reader.flush();
    for (const i of lost) ok((await bases[wiped].get(storeKey(`k${i}`))) !== null, `k${i} repaired`);
    equal(reader.stats().shards[wiped].repairs, lost.length);
  }],

  ["addStore and removeStore move only some keys; moved keys are found again through misses", async (lib) => {
    const { cache, clock } = shards(lib, 4, { replicas: 1 });
    let loads = 0;
    const loader = (i) => () => (loads++, i);
    for (let i = 0; i < 400; i++) await cache.getOrSet(`k${i}`, loader(i));
    await cache.flush();
    equal(loads, 400);
    cache.addStore("10.0.0.9:6379", lib.stores.memory({ now: () => clock.t }));
    loads = 0;
    for (let i = 0; i < 400; i++) equal(await cache.getOrSet(`k${i}`, loader(i)), i);
    await cache.flush();
    ok(loads > 40 && loads < 130, `about 1/5 of keys moved to the new store (loaded ${loads})`);
    equal(cache.removeStore("10.0.0.9:6379"), true);
    equal(cache.removeStore("10.0.0.9:6379"), false);
    loads = 0;
    for (let i = 0; i < 400; i++) equal(await cache.getOrSet(`k${i}`, loader(i)), i);
    equal(loads, 0, "keys back on their old stores are still there");
  }],

  ["with replicas, a new store's keys are served by the old owners and repaired onto it", async (lib) => {
    const { cache, clock } = shards(lib, 4, { replicas: 2 });
    for (let i = 0; i < 200; i++) await cache.set(`k${i}`, i);
    cache.addStore("10.0.0.9:6379", lib.stores.memory({ now: () => clock.t }));
    let loads = 0;
    for (let i = 0; i < 200; i++) equal(await cache.getOrSet(`k${i}`, () => (loads++, -1)), i);
    await cache.flush();
    equal(loads, 0, "no key had to be loaded again");
    ok(cache.stats().shards["10.0.0.9:6379"].repairs > 10, "the new primary was filled by read-repair");
  }],

  ["sharding errors are clear", async (lib) => {
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const single = new EdgeCache({ store: stores.memory() });
    throwsCode(() => single.addStore("x", stores.memory()), "E_CONFIG", EdgeCacheError, "single store");
    const many = new EdgeCache({ store: [stores.memory(), stores.memory()] });
    throwsCode(() => many.addStore("0", stores.memory()), "E_ARGUMENT", EdgeCacheError, "duplicate id");
    throwsCode(() => many.addStore("z", { get() {} }), "E_CONFIG", EdgeCacheError, "not a store");
    const badId = throwsCode(() => many.addStore("redis:primary", stores.memory()), "E_ARGUMENT", EdgeCacheError, "id with a port that is not a number");
    ok(badId.message.includes("store id \"redis:primary\"") && badId.message.includes("host:port"), badId.message);
    throwsCode(() => new EdgeCache({ store: { "redis:primary": stores.memory() } }), "E_CONFIG", EdgeCacheError, "bad id in the record");
    const named = new EdgeCache({ store: { primary: stores.memory(), "10.0.1.1:6379": stores.memory() } });
    await named.set("k", 2);
    equal(await named.get("k"), 2, "names and host:port ids work");
    many.removeStore("0");
    throwsCode(() => many.removeStore("1"), "E_ARGUMENT", EdgeCacheError, "last store");
    throwsCode(() => new EdgeCache({ store: [] }), "E_CONFIG", EdgeCacheError, "empty list");
    throwsCode(() => new EdgeCache({ store: [stores.memory()], circuitBreaker: { failures: 0 } }), "E_CONFIG", EdgeCacheError, "breaker");
    throwsCode(() => new EdgeCache({ store: [stores.memory()], replicas: 0 }), "E_CONFIG", EdgeCacheError, "replicas");
    throwsCode(() => new EdgeCache({ store: stores.memory(), replicas: 2 }), "E_CONFIG", EdgeCacheError, "replicas, one store");
    throwsCode(() => new EdgeCache({ circuitBreaker: { failures: 2 } }), "E_CONFIG", EdgeCacheError, "breaker, no store");
    await many.set("k", 1);
    equal(await many.get("k"), 1);
  }],

  ["a sharded cache takes keys and tags up to the key limit", async (lib) => {
    const { EdgeCache, stores, MAX_KEY_LENGTH } = lib;
    const cache = new EdgeCache({ store: [stores.memory(), stores.memory(), stores.memory()], replicas: 2 });
    const key = "x".repeat(MAX_KEY_LENGTH);
    const tag = "t".repeat(5000);
    await cache.set(key, "long", { tags: [tag] });
    equal(await new EdgeCache({ store: [stores.memory()] }).get(key), undefined);
    equal(await cache.get(key), "long");
    await cache.invalidateTags([tag]);
    equal(await cache.get(key), undefined);
  }],

  ["read-repair does not write a replica's older copy over a write of the key in progress", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const A = hooked(lib, now, "A");
    const B = hooked(lib, now, "B");
    const cache = new lib.EdgeCache({ store: { A: A.store, B: B.store }, replicas: 2, now, memory: false });
    const key = keyOwnedBy(lib, ["A", "B"], ["A"], "u");
    await cache.set(key, "v1");
    await A.inner.delete(`ec:k:${key}`); // the primary lost it
    A.ctl.hook = B.ctl.hook = (op) => (op === "set" ? { delay: 10 } : {});
    const writing = cache.set(key, "v2");
    await cache.get(key); // primary misses, the replica has v1 (the write is still on its way)
    await writing;
    await cache.flush();
    equal([await stored(A.inner, `ec:k:${key}`), await stored(B.inner, `ec:k:${key}`)], ["v2", "v2"]);
  }],

  ["a delete that cannot reach a replica (breaker open) rejects instead of reporting success", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const [A, B, C] = ["A", "B", "C"].map((id) => hooked(lib, now, id));
    const cache = new lib.EdgeCache({
      store: { A: A.store, B: B.store, C: C.store }, replicas: 2, now, memory: false, circuitBreaker: { failures: 1, cooldown: 1000 },
    });
    const key = keyOwnedBy(lib, ["A", "B", "C"], ["A", "B"], "d");
    const other = keyOwnedBy(lib, ["A", "B", "C"], ["B"], "o");
    await cache.set(key, "secret");
    B.ctl.hook = () => ({ fail: true });
    await cache.get(other); // one failure opens B's breaker
    B.ctl.hook = null;
    let code;
    await cache.delete(key).catch((e) => (code = e.code));
    equal(code, "E_STORE");
    equal(await stored(A.inner, `ec:k:${key}`), null, "the reachable owner deleted it");
  }],

  ["a removed shard's failing calls do not open the breaker of the shard added after it", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const [A, X, Y] = ["A", "X", "Y"].map((id) => hooked(lib, now, id));
    const cache = new lib.EdgeCache({ store: { A: A.store, X: X.store }, now, memory: false, circuitBreaker: { failures: 3, cooldown: 60_000 } });
    const keys = [0, 1, 2, 3, 4].map((i) => keyOwnedBy(lib, ["A", "X"], ["X"], `k${i}_`));
    X.ctl.hook = () => ({ delay: 10, fail: true });
    const reads = keys.map((k) => cache.get(k));
    await pause(2);
    cache.removeStore("X");
    cache.addStore("Y", Y.store);
    await Promise.all(reads);
    equal(cache.stats().shards.Y.open, false);
    const onY = keyOwnedBy(lib, ["A", "Y"], ["Y"], "y");
    await cache.set(onY, 1);
    equal(await stored(Y.inner, `ec:k:${onY}`), 1);
  }],
];
