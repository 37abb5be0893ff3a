// Events, counters, latency and stats against what a known sequence did.
// Runtime-neutral cases [name, fn(lib)].
import { equal, ok } from "./check.mjs";
import { tick } from "./edge_support.mjs";

export const eventCases = [
  ["a failed background task is reported in one error event, with its key", async (lib) => {
    const clock = { t: 0 };
    const events = [];
    const base = lib.stores.memory({ now: () => clock.t });
    const store = { ...base, limits: base.limits, get: (k) => base.get(k), delete: (k) => base.delete(k), set: async () => { throw new Error("store down"); } };
    const cache = new lib.EdgeCache({ store, now: () => clock.t, ttl: 1000, staleWhileRevalidate: 10_000, onEvent: (e) => events.push(e) });
    await cache.getOrSet("a", () => "v1"); // its background store write fails
    await cache.flush();
    clock.t += 2000;
    await cache.getOrSet("a", () => {
      throw new Error("origin down");
    }); // stale: a background refresh that fails
    await cache.flush();
    const errors = events.filter((e) => e.type === "error");
    equal(errors.length, 2, JSON.stringify(errors.map((e) => [e.tier, e.key])));
    ok(errors.every((e) => e.key === "a"), "each names the key");
  }],

  ["one error event per failure: a primitive thrown in a refresh, and each throw of waitUntil", async (lib) => {
    const clock = { t: 0 };
    const events = [];
    const cache = new lib.EdgeCache({ now: () => clock.t, ttl: 1000, staleWhileRevalidate: 10_000, onEvent: (e) => e.type === "error" && events.push(e) });
    await cache.getOrSet("a", () => 1);
    clock.t += 2000;
    await cache.getOrSet("a", () => {
      throw "boom";
    });
    await cache.flush();
    equal(events.length, 1, "the refresh's failure");
    const closed = new Error("request is over");
    const late = new lib.EdgeCache({
      store: lib.stores.memory(),
      waitUntil: () => {
        throw closed;
      },
      onEvent: (e) => e.type === "error" && events.push(e),
    });
    for (const k of ["x", "y", "z"]) await late.getOrSet(k, () => 1); // each store write is handed to waitUntil
    await late.flush();
    equal(events.filter((e) => e.error === closed).length, 3, "each waitUntil throw is reported");
  }],

  ["memory misses, and store records past serving but inside staleIfError, send miss events", async (lib) => {
    const clock = { t: 0 };
    const events = [];
    const store = lib.stores.memory({ now: () => clock.t });
    await new lib.EdgeCache({ store, now: () => clock.t, ttl: 1000, staleIfError: 60_000 }).set("k", "v");
    clock.t += 5000;
    const cache = new lib.EdgeCache({ store, now: () => clock.t, ttl: 1000, staleIfError: 60_000, onEvent: (e) => events.push(`${e.type}/${e.tier}`) });
    equal(await cache.get("k"), undefined);
    equal(events, ["miss/memory", "miss/store"]);
  }],

  ["every memory miss the counters count sends a miss event", async (lib) => {
    const clock = { t: 0 };
    const events = [];
    const cache = new lib.EdgeCache({ now: () => clock.t, ttl: 1000, staleIfError: 60_000, onEvent: (e) => e.type === "miss" && events.push(e.tier) });
    await cache.get("absent");
    await cache.set("expired", 1);
    await cache.set("tagged", 1, { tags: ["t"] });
    await cache.invalidateTags(["t"]);
    await cache.get("tagged");
    clock.t += 5000;
    await cache.get("expired"); // past serving, inside staleIfError
    equal(cache.stats().memory.misses, 3);
    equal(events, ["memory", "memory", "memory"]);
  }],

  ["entries leaving the memory tier send evict events with why, keyed as hits are", async (lib) => {
    const clock = { t: 0 };
    const events = [];
    const cache = new lib.EdgeCache({
      now: () => clock.t,
      ttl: 1000,
      memory: { maxEntries: 2 },
      onEvent: (e) => (e.type === "evict" || e.type === "hit") && events.push(e),
    });
    await cache.set(["user", 1], "a");
    equal(await cache.get(["user", 1]), "a");
    await cache.set("b", "b");
    await cache.set(["user", 1], "a2"); // a set over a held key
    await cache.set("c", "c"); // b is the least recent
    await cache.delete("c");
    await cache.set("t", "t", { tags: ["x"] });
    await cache.invalidateTags(["x"]);
    equal(await cache.get("t"), undefined, "invalidated: dropped on read");
    clock.t += 1000;
    equal(await cache.get(["user", 1]), undefined, "expired");
    const evict = (key, reason) => ({ type: "evict", key, tier: "memory", reason });
    equal(events, [
      { type: "hit", key: "user:1", tier: "memory" },
      evict("user:1", "replaced"),
      evict("b", "capacity"),
      evict("c", "explicit"),
      evict("t", "explicit"),
      evict("user:1", "expired"),
    ]);
    const { capacity, expired, explicit } = cache.stats().memory.tier.evictionsByReason;
    equal([capacity, expired, explicit], [1, 1, 2], "the memory tier counts what it reported");
  }],

  ["a back-fill over a stale memory entry is reported as replacing it", async (lib) => {
    const clock = { t: 0 };
    const store = lib.stores.memory({ now: () => clock.t });
    const events = [];
    const options = { store, now: () => clock.t, ttl: 1000, staleIfError: 60_000 };
    const reader = new lib.EdgeCache({ ...options, onEvent: (e) => e.type === "evict" && events.push(e.reason) });
    const writer = new lib.EdgeCache(options);
    await writer.set("k", "old");
    equal(await reader.get("k"), "old");
    clock.t += 2000; // past serving, inside staleIfError: kept as a fallback
    await writer.set("k", "new");
    equal(await reader.get("k"), "new");
    equal(events, ["replaced"]);
  }],

  ["store latency counts failed and timed-out reads too", async (lib) => {
    const base = lib.stores.memory();
    const store = { limits: base.limits, get: async () => { throw new Error("down"); }, set: (k, v, o) => base.set(k, v, o), delete: (k) => base.delete(k) };
    const cache = new lib.EdgeCache({ store, memory: false });
    for (const k of ["a", "b", "c"]) await cache.get(k);
    equal(cache.stats().store.latency.count, 3);
  }],

  ["with memory.maxBytes a back-filled entry is sized by its value's JSON, as a write is", async (lib) => {
    const store = lib.stores.memory();
    const writer = new lib.EdgeCache({ store, memory: { maxBytes: 10_000 } });
    const reader = new lib.EdgeCache({ store, memory: { maxBytes: 10_000 } });
    await writer.set("k", "x");
    equal(await reader.get("k"), "x");
    equal([writer.stats().memory.tier.bytes, reader.stats().memory.tier.bytes], [3, 3]);
  }],

  ["warm's loads are counted and reported like getOrSet's", async (lib) => {
    const events = [];
    const cache = new lib.EdgeCache({ onEvent: (e) => events.push(e.type) });
    let release;
    const warming = cache.warm([{ key: "a", loader: () => new Promise((r) => (release = r)) }, { key: "b", loader: () => { throw new Error("x"); } }]);
    while (!release) await tick();
    equal(cache.stats().loader.inFlight, 1, "in flight during the load");
    release(1);
    await warming;
    const { loader } = cache.stats();
    equal([loader.loads, loader.errors, loader.inFlight, loader.latency.count], [2, 1, 0, 2]);
    equal(events.filter((t) => t === "load").length, 2);
    equal(events.filter((t) => t === "error").length, 1);
  }],

  ["a shard named __proto__ has its own stats", async (lib) => {
    const { EdgeCache, stores } = lib;
    const shards = { ["__proto__"]: stores.memory(), constructor: stores.memory(), plain: stores.memory() };
    ok(Object.keys(shards).includes("__proto__"), "an own field");
    const cache = new EdgeCache({ store: shards });
    const reader = new EdgeCache({ store: shards, memory: false });
    for (let i = 0; i < 30; i++) await reader.get(`k${i}`);
    const { shards: stats } = reader.stats();
    equal(Object.keys(stats).sort(), ["__proto__", "constructor", "plain"]);
    ok(Object.hasOwn(stats, "__proto__") && typeof stats.__proto__.reads === "number", "__proto__ holds its stats");
    equal(Object.getPrototypeOf(stats), null, "a record without a prototype");
    equal(Object.values(stats).reduce((n, s) => n + s.reads, 0), 30, "every read counted on its shard");
  }],
];
