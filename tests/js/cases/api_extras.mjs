// What users expect of the API: the loader's context (skip, setTtl), getMany, setMany, has,
// clear (of the whole namespace, here at once and elsewhere within memoryTtl), and every
// one of them refused after dispose. Runtime-neutral cases [name, fn(lib)].
import { equal, ok } from "./check.mjs";
import { hooked, inStore as inStoreAt, pause, rejectsCode, setup } from "./edge_support.mjs";

export const apiCases = [
  ["ctx.skip(): every joiner gets the loaded value, no tier keeps it", async (lib) => {
    const { cache, base, clock } = setup(lib);
    let release;
    const gate = new Promise((r) => (release = r));
    let loads = 0;
    const loader = async (ctx) => {
      loads++;
      await gate;
      ctx.skip();
      return "not cached";
    };
    const calls = [cache.getOrSet("k", loader), cache.getOrSet("k", loader)];
    release();
    equal(await Promise.all(calls), ["not cached", "not cached"]);
    equal(loads, 1, "one load for both callers");
    await cache.flush();
    equal(await cache.get("k"), undefined, "not in memory");
    equal(await inStoreAt(lib, base, "k", { now: () => clock.t }), undefined, "not in the store");
  }],

  ["ctx.setTtl(ms): the value is cached for that TTL; a bad one is E_ARGUMENT", async (lib) => {
    const { cache, clock } = setup(lib, { ttl: 100_000 });
    equal(await cache.getOrSet("k", (ctx) => (ctx.setTtl(50), "short")), "short");
    clock.t += 49;
    equal(await cache.get("k"), "short");
    clock.t += 1;
    equal(await cache.get("k"), undefined, "expired after the loader's TTL, not the cache's");
    for (const bad of [0, -1, NaN, Infinity, "60"]) {
      await rejectsCode(cache.getOrSet(`bad:${String(bad)}`, (ctx) => (ctx.setTtl(bad), "v")), "E_ARGUMENT", lib.EdgeCacheError, `setTtl(${String(bad)})`);
    }
  }],

  ["ctx calls after the loader settled change nothing", async (lib) => {
    const { cache } = setup(lib);
    let kept;
    equal(await cache.getOrSet("k", (ctx) => ((kept = ctx), "v")), "v");
    kept.skip();
    kept.setTtl(1);
    equal(await cache.get("k"), "v", "still cached, with the cache's TTL");
  }],

  ["a refresh whose loader skips keeps the entry it refreshed (stale-while-revalidate and forceRefresh)", async (lib) => {
    const { cache, clock } = setup(lib, { ttl: 100, staleWhileRevalidate: 1000 });
    await cache.set("k", "old");
    clock.t += 150;
    equal(await cache.getOrSet("k", (ctx) => (ctx.skip(), "new")), "old", "stale served, refresh started");
    await cache.flush();
    equal(await cache.get("k"), "old", "the skipped refresh left the old entry");
    equal(await cache.getOrSet("k", (ctx) => (ctx.skip(), "forced"), { forceRefresh: true }), "forced");
    await cache.flush();
    equal(await cache.get("k"), "old", "a skipped forceRefresh left it too");
  }],

  ["wrap passes the context as this; warm entries' loaders get it too", async (lib) => {
    const { cache } = setup(lib);
    const square = cache.wrap(function (n) {
      if (n < 0) this.skip();
      return n * n;
    }, { key: (n) => ["sq", n] });
    equal(await square(-3), 9);
    equal(await cache.get(["sq", -3]), undefined, "skipped");
    equal(await square(3), 9);
    equal(await cache.get(["sq", 3]), 9, "cached");
    const report = await cache.warm([
      { key: "w1", loader: (ctx) => (ctx.skip(), 1) },
      { key: "w2", loader: () => 2 },
    ]);
    equal([report.warmed, report.skipped], [1, 1]);
    equal(await cache.get("w1"), undefined);
    equal(await cache.get("w2"), 2);
  }],

  ["getMany: values in order, memory first, the misses in one batched store read", async (lib) => {
    const clock = { t: 1000 };
    const now = () => clock.t;
    const { store, ctl } = hooked(lib, now);
    const ops = [];
    ctl.hook = (op) => void ops.push(op);
    const writer = new lib.EdgeCache({ store, now, memory: false });
    await writer.set("b", "B");
    await writer.set("c", { c: 1 });
    const cache = new lib.EdgeCache({ store, now });
    await cache.set("a", "A");
    await cache.get("a");
    ops.length = 0;
    equal(await cache.getMany(["a", "b", "none", ["c"], "b"]), ["A", "B", undefined, { c: 1 }, "B"]);
    equal(await cache.getMany([]), []);
    ok(ops.filter((op) => op === "getMany").length >= 1 && !ops.includes("get"), `store calls: ${ops.join(",")}`);
    await rejectsCode(cache.getMany("a"), "E_ARGUMENT", lib.EdgeCacheError, "not an array");
    await rejectsCode(cache.getMany(["a", undefined]), "E_KEY", lib.EdgeCacheError, "a bad key");
  }],

  ["setMany: resolves once all are stored; rejects with the first failure once all settled", async (lib) => {
    const { cache, base, store, clock } = setup(lib);
    const inStore = (base, key) => inStoreAt(lib, base, key, { now: () => clock.t });
    await cache.setMany([{ key: "a", value: 1 }, { key: "b", value: 2, ttl: 50, tags: ["t"] }]);
    equal(await inStore(base, "a"), 1);
    equal(await inStore(base, "b"), 2);
    await rejectsCode(cache.setMany([{ key: "c", value: 3 }, { key: "d" }]), "E_VALUE", lib.EdgeCacheError, "an entry without a value");
    equal(await inStore(base, "c"), undefined, "nothing written when an entry is bad");
    await rejectsCode(cache.setMany([{ key: "c", value: 3, colour: "red" }]), "E_ARGUMENT", lib.EdgeCacheError, "an unknown option");
    store.failNext(1, "set");
    const error = await cache.setMany([{ key: "x", value: "x" }, { key: "y", value: "y" }]).then(() => null, (e) => e);
    equal(error?.code, "E_STORE", "the first failure");
    equal(await inStore(base, "y"), "y", "the other entry was stored");
  }],

  ["has: fresh or stale-served in memory or the store, no loader, tags honoured", async (lib) => {
    const { cache, make, clock } = setup(lib, { ttl: 100, staleWhileRevalidate: 100 });
    await cache.set("k", { big: "x".repeat(100) });
    await cache.set("t", 1, { tags: ["tag"] });
    const other = make({ memory: false });
    equal([await cache.has("k"), await other.has("k"), await cache.has("none"), await other.has("none")], [true, true, false, false]);
    clock.t += 150;
    equal([await cache.has("k"), await other.has("k")], [true, true], "inside the stale window");
    clock.t += 100;
    equal([await cache.has("k"), await other.has("k")], [false, false], "past it");
    await cache.invalidateTags(["tag"]);
    equal(await cache.has("t"), false, "an invalidated tag");
    equal(cache.stats().loader.loads, 0);
  }],

  ["clear: this isolate at once, another within memoryTtl, later writes kept", async (lib) => {
    const { cache, make, clock, base } = setup(lib, { memoryTtl: 200 });
    await cache.set("a", "A");
    await cache.set(["long", "x".repeat(600)], "L");
    const other = make();
    equal(await other.get("a"), "A");
    await cache.clear();
    equal(await cache.get("a"), undefined, "here: at once");
    equal(await cache.get(["long", "x".repeat(600)]), undefined, "digested keys too");
    equal(await inStoreAt(lib, base, "a", { now: () => clock.t }), undefined, "a fresh isolate: at once");
    clock.t += 199;
    equal(await other.get("a"), "A", "a lagging isolate serves its memory until its re-check");
    clock.t += 1;
    equal(await other.get("a"), undefined, "then it sees the clear");
    await cache.set("a", "A2");
    equal(await make().get("a"), "A2", "a value set after the clear is read everywhere");
    equal(await other.getOrSet("b", () => "B"), "B");
    equal(await cache.get("b"), "B");
  }],

  ["clear: loads running and writes queued before it do not bring values back", async (lib) => {
    const { cache, make } = setup(lib);
    let release;
    const gate = new Promise((r) => (release = r));
    const loading = cache.getOrSet("k", async () => (await gate, "loaded before"));
    await pause(0);
    await cache.clear();
    release();
    equal(await loading, "loaded before", "the caller gets its value");
    await cache.flush();
    equal(await cache.get("k"), undefined, "not cached here");
    equal(await make().get("k"), undefined, "nor in the store");
    const behind = make({ writeMode: "behind", writeBehind: { maxDelay: 10_000 } });
    await behind.set("q", "queued");
    await behind.clear();
    await behind.flush();
    equal(await behind.get("q"), undefined);
    equal(await make().get("q"), undefined, "the queued write landed where nobody reads");
  }],

  ["a fresh isolate's first read is one store call: the clear epoch's record goes in the same getMany", async (lib) => {
    const clock = { t: 1000 };
    const now = () => clock.t;
    const { store, ctl } = hooked(lib, now);
    await new lib.EdgeCache({ store, now }).set("k", "v");
    const ops = [];
    ctl.hook = (op, key) => void ops.push(`${op} ${key}`);
    const fresh = new lib.EdgeCache({ store, now, memory: false });
    equal(await fresh.get("k"), "v");
    equal(ops, ["getMany ec:k:k,ec:e:"]);
    equal([fresh.stats().store.hits, fresh.stats().store.latency.count], [1, 1], "the epoch's record is no data read");
    ops.length = 0;
    equal(await fresh.get("k"), "v");
    equal(ops, ["get ec:k:k"], "trusted for the interval: the key alone");
  }],

  ["a fresh isolate after a clear elsewhere: reads again under the new key; its writes and deletes reach it", async (lib) => {
    const { cache, make } = setup(lib);
    await cache.set("old", "before");
    await cache.set("gone", "before");
    await cache.clear();
    await cache.set("gone", "after");
    const reader = make();
    equal(await reader.get("old"), undefined, "what was read at epoch 0 is dropped");
    const writer = make();
    await writer.set("new", "written cold");
    const deleter = make();
    equal(await deleter.delete("gone"), true, "the delete read the key under the new epoch");
    await writer.flush();
    equal(await make().get("new"), "written cold", "a write keyed at epoch 0 was sent again under the new key");
    equal(await make().get("gone"), undefined, "deleted under the new key");
  }],

  ["an epoch record that cannot be read keeps the epoch held: reads are served, no failure counted for it", async (lib) => {
    const clock = { t: 1000 };
    const now = () => clock.t;
    const { store, ctl } = hooked(lib, now);
    await new lib.EdgeCache({ store, now }).set("k", "v");
    ctl.hook = (op, key) => (op === "get" && key === "ec:e:" ? { fail: true } : {});
    const plain = { limits: store.limits, get: store.get, set: store.set, delete: store.delete };
    const fresh = new lib.EdgeCache({ store: plain, now, memory: false });
    equal([await fresh.get("k"), await fresh.get("k")], ["v", "v"]);
    const s = fresh.stats();
    equal([s.store.hits, s.store.errors, s.store.latency.count], [2, 0, 2]);
  }],

  ["clear without a store empties memory; a store that fails makes it E_STORE", async (lib) => {
    const memoryOnly = new lib.EdgeCache({});
    await memoryOnly.set("k", 1);
    await memoryOnly.clear();
    equal(await memoryOnly.has("k"), false);
    const { cache, store } = setup(lib);
    await cache.set("k", 1);
    store.down(true);
    await rejectsCode(cache.clear(), "E_STORE", lib.EdgeCacheError, "the epoch could not be read");
    store.down(false);
    equal(await cache.has("k"), true, "the store still holds it; memory was cleared");
    store.failNext(1, "set");
    await rejectsCode(cache.clear(), "E_STORE", lib.EdgeCacheError, "the epoch could not be written");
  }],

  ["getMany, setMany, has and clear reject E_DISPOSED after dispose", async (lib) => {
    const { cache } = setup(lib);
    await cache.dispose();
    for (const [name, call] of [
      ["getMany", () => cache.getMany(["a"])],
      ["setMany", () => cache.setMany([{ key: "a", value: 1 }])],
      ["has", () => cache.has("a")],
      ["clear", () => cache.clear()],
    ]) {
      await rejectsCode(call(), "E_DISPOSED", lib.EdgeCacheError, name);
    }
  }],
];
