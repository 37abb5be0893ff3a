// The read path: memory and store tiers, back-fill, keys and what the store holds for
// them, and the shape a value comes back in. Runtime-neutral cases [name, fn(lib)].
import { equal, ok } from "./check.mjs";
import { rejectsCode, setup } from "./edge_support.mjs";

/** Dates survive as `{ $date: ms }` (what a user would write with a JSON replacer). */
const DATES = {
  serialize: (v) => JSON.stringify(v, function replace(k, x) {
    return this[k] instanceof Date ? { $date: this[k].getTime() } : x;
  }),
  deserialize: (s) => JSON.parse(s, (k, x) => (x !== null && typeof x === "object" && "$date" in x ? new Date(x.$date) : x)),
};

export const readPathCases = [
  ["set, get and delete through memory and the store", async (lib) => {
    const { cache, make, store } = setup(lib);
    const value = { user: 1, recs: [1, 2, 3] };
    await cache.set(["user", 1], value);
    ok((await cache.get("user:1")) === value, "memory returns the same object");
    const other = make();
    equal(await other.get("user:1"), value, "another isolate reads it from the store");
    equal(store.calls.set, 1);
    equal(await cache.delete("user:1"), true);
    equal(await make().delete("user:1"), false, "already gone from the store");
    equal(await make().get("user:1"), undefined);
  }],

  ["a store hit back-fills memory for at most memoryTtl", async (lib) => {
    const { cache, make, store, clock } = setup(lib, { memoryTtl: 100 });
    await cache.set("k", "v");
    const reader = make();
    equal(await reader.get("k"), "v");
    equal(await reader.get("k"), "v");
    const s = reader.stats();
    equal([s.store.hits, s.memory.hits, s.memory.backfills], [1, 1, 1]);
    // One store call a read: a get, or one getMany with the clear epoch's record beside it.
    const reads = () => store.calls.get + store.calls.getMany;
    const before = reads();
    clock.t += 100;
    equal(await reader.get("k"), "v");
    equal(reads(), before + 1, "memory copy expired after memoryTtl: read the store again");
  }],

  ["a slow store is abandoned after timeout", async (lib) => {
    const events = [];
    const { cache, store, make } = setup(lib, { timeout: 20, onEvent: (e) => events.push(e.type) });
    await cache.set("k", "v");
    const release = store.stall();
    const reader = make({ timeout: 20, onEvent: (e) => events.push(e.type) });
    equal(await reader.getOrSet("k", () => "loaded"), "loaded", "fell through to the loader");
    equal(reader.stats().store.timeouts, 1);
    ok(events.includes("timeout"));
    release();
  }],

  ["memory options without a bound keep the default of 1000 entries", async (lib) => {
    for (const memory of [undefined, { policy: "lru" }, { policy: "tinylfu" }]) {
      const cache = new lib.EdgeCache({ memory });
      for (let i = 0; i < 1500; i++) await cache.set(`k${i}`, i);
      equal(cache.stats().memory.tier.size, 1000, JSON.stringify(memory));
    }
    const larger = new lib.EdgeCache({ memory: { maxEntries: 1200 } });
    for (let i = 0; i < 1500; i++) await larger.set(`k${i}`, i);
    equal(larger.stats().memory.tier.size, 1200);
  }],

  ["the memory tier in front of a store is bounded by bytes by default, a memory-only one by entries", async (lib) => {
    const cache = new lib.EdgeCache({ store: lib.stores.memory() });
    const big = "x".repeat(6 * 1024 * 1024);
    for (const k of ["a", "b", "c"]) await cache.set(k, big);
    const tier = cache.stats().memory.tier;
    ok(tier.bytes <= 16 * 1024 * 1024, `${tier.bytes} bytes held`);
    equal(tier.size, 2, "the oldest went for the third");
    equal(await cache.get("a"), big, "the store still has it");
    const huge = "x".repeat(17 * 1024 * 1024);
    await cache.set("huge", huge);
    const reads = cache.stats().memory.backfills;
    equal(await cache.get("huge"), huge);
    equal(cache.stats().memory.backfills, reads, "a value memory refuses is not counted as back-filled");
    const memoryOnly = new lib.EdgeCache();
    await memoryOnly.set("huge", huge);
    equal(await memoryOnly.get("huge"), huge, "memory is its only home: no byte bound");
  }],

  ["keys longer than the store allows become a SHA-256 digest", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    const small = { ...bind(base), limits: { ...base.limits, maxKeyBytes: 100 } };
    const cache = new lib.EdgeCache({ store: small, now: () => clock.t, memory: false });
    const long = "k".repeat(300);
    await cache.set(long, "v");
    equal(await cache.get(long), "v");
    const keys = await storedKeys(base);
    ok(keys.length === 1 && /^ec:h:[0-9a-f]{64}$/.test(keys[0]), `digested: ${keys}`);
    equal(await cache.get("k".repeat(301)), undefined);
  }],

  ["two namespaces on one store never see each other's keys", async (lib) => {
    const { make } = setup(lib);
    const a = make({ namespace: "a" });
    const b = make({ namespace: "b" });
    await a.set("k", "from a");
    equal(await b.get("k"), undefined);
    await b.set("k", "from b");
    equal(await make({ namespace: "a" }).get("k"), "from a");
    await b.set("tagged", "b's", { tags: ["t"] });
    await a.invalidateTags(["t"]);
    equal(await make({ namespace: "b" }).get("tagged"), "b's", "a's tags do not touch b's entries");
  }],

  ["array keys whose parts hold ':' or '\\' stay distinct keys in every class", async (lib) => {
    const { MemoryCache, EdgeCache, stores } = lib;
    const keys = [["a:b", "c"], ["a", "b:c"], ["a", "b", "c"], ["x\\", "y"], ["x", "\\y"], ["x\\:y"], ["x\\", ":y"]];
    const memory = new MemoryCache({ maxEntries: 100 });
    const store = stores.memory();
    const cache = new EdgeCache({ store });
    for (const [i, key] of keys.entries()) {
      memory.set(key, i);
      await cache.set(key, i);
    }
    const reader = new EdgeCache({ store, memory: false });
    for (const [i, key] of keys.entries()) {
      equal(memory.get(key), i, `memory ${JSON.stringify(key)}`);
      equal(await cache.get(key), i, `EdgeCache ${JSON.stringify(key)}`);
      equal(await reader.get(key), i, `store ${JSON.stringify(key)}`);
    }
    equal(memory.get("user:123"), undefined);
    memory.set(["user", 123], "u");
    equal(memory.get("user:123"), "u", "parts without ':' or '\\' join as before");
  }],

  ["a corrupt record is a miss and is deleted", async (lib) => {
    const { cache, base, store } = setup(lib);
    await base.set("ec:k:bad", "not a record", {});
    await base.set("ec:k:badjson", "ec2|5|1|2|3|4|5|11:ec:k:badjson|0\n{oops", {});
    equal(await cache.get("bad"), undefined);
    equal(await cache.getOrSet("badjson", () => "loaded"), "loaded");
    await cache.flush();
    equal(await base.get("ec:k:bad"), null, "deleted");
    equal(cache.stats().store.corrupt, 2);
    ok(store.calls.delete >= 2);
  }],

  ["a record carrying another key is never served", async (lib) => {
    const { cache, base, make } = setup(lib);
    await cache.set("alice", { secret: "a" });
    await base.set("ec:k:bob", await base.get("ec:k:alice"), {});
    const reader = make();
    equal(await reader.get("bob"), undefined, "foreign record refused");
    await reader.flush();
    equal(await base.get("ec:k:bob"), null, "and deleted");
    equal((await reader.get("alice")).secret, "a");
  }],

  ["a record of a later or earlier format is a miss and is left alone", async (lib) => {
    for (const record of ["ec3|whatever a newer edgecache writes\n{}", "ec1|1|2|3|4|5|6:ec:k:k|0\n\"old\""]) {
      const base = lib.stores.memory();
      await base.set("ec:k:k", record, {});
      const cache = new lib.EdgeCache({ store: base });
      equal(await cache.get("k"), undefined);
      await cache.flush();
      equal(await base.get("ec:k:k"), record, "not deleted");
      equal(cache.stats().store.corrupt, 0, "not counted as corrupt");
    }
  }],

  ["a data record cut short is a miss, not another value", async (lib) => {
    const { EdgeCache, stores } = lib;
    const base = stores.memory();
    const writer = new EdgeCache({ store: base });
    for (const value of [123456789, "a string value", { list: [1, 2, 3] }, "déjà vu 😀"]) {
      await writer.set("k", value);
      const record = await base.get("ec:k:k");
      for (let cut = 1; cut <= Math.min(8, record.length); cut++) {
        await base.set("ec:k:k", record.slice(0, record.length - cut), {});
        const reader = new EdgeCache({ store: base, memory: false });
        equal(await reader.get("k"), undefined, `${JSON.stringify(value)} cut by ${cut}`);
        equal(reader.stats().store.corrupt, 1, `${JSON.stringify(value)} cut by ${cut}: counted as corrupt`);
        await reader.flush();
      }
      await base.set("ec:k:k", `${record}0`, {});
      equal(await new EdgeCache({ store: base, memory: false }).get("k"), undefined, `${JSON.stringify(value)} with a byte more`);
    }
  }],

  ["a value over the store's size limit: set fails clearly, memory still serves it", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    const tiny = { ...bind(base), limits: { ...base.limits, maxValueBytes: 200 } };
    const cache = new lib.EdgeCache({ store: tiny, now: () => clock.t });
    const e = await rejectsCode(cache.set("big", "x".repeat(500)), "E_VALUE", lib.EdgeCacheError, "too big");
    ok(e.message.includes("200"), e.message);
    equal((await cache.get("big")).length, 500, "served from memory");
    equal(await cache.getOrSet("big2", () => "y".repeat(500)).then((v) => v.length), 500, "a load is served too");
    await cache.flush();
  }],

  ["a Date set in this isolate comes back as another isolate gets it from the store", async (lib) => {
    const store = lib.stores.memory();
    const here = new lib.EdgeCache({ store });
    await here.set("k", { at: new Date(0), n: 1 });
    const there = await new lib.EdgeCache({ store }).get("k");
    equal(there, { at: "1970-01-01T00:00:00.000Z", n: 1 });
    equal(await here.get("k"), there, "memory answers with the store's shape");
    equal(await new lib.EdgeCache({ store, memory: false }).get("k"), there, "and so does a cache without memory");
  }],

  ["getOrSet's first caller gets the loaded value in the shape later callers get", async (lib) => {
    const cache = new lib.EdgeCache({ store: lib.stores.memory() });
    const first = await cache.getOrSet("k", () => ({ at: new Date(0), skip: undefined }));
    equal(first, { at: "1970-01-01T00:00:00.000Z" });
    equal(await cache.getOrSet("k", () => ok(false, "no second load")), first);
    const warmed = new lib.EdgeCache();
    await warmed.warm([{ key: "w", loader: () => ({ at: new Date(0) }) }]);
    equal(await warmed.get("w"), { at: "1970-01-01T00:00:00.000Z" }, "warm too");
  }],

  ["plain data comes back from memory as the very object that was set", async (lib) => {
    const cache = new lib.EdgeCache();
    const value = { list: [1, "a", null, { deep: true }], nested: { x: 1.5 } };
    await cache.set("k", value);
    ok((await cache.get("k")) === value, "no copy for data that reads back as itself");
    const loaded = { a: 1 };
    ok((await cache.getOrSet("l", () => loaded)) === loaded, "nor for a loaded value");
  }],

  ["a serializer carries types JSON cannot, through memory and the store alike", async (lib) => {
    const store = lib.stores.memory();
    const here = new lib.EdgeCache({ store, serializer: DATES });
    await here.set("k", { at: new Date(5) });
    for (const [what, cache] of [["memory", here], ["store", new lib.EdgeCache({ store, serializer: DATES })]]) {
      const v = await cache.get("k");
      ok(v.at instanceof Date && v.at.getTime() === 5, `${what}: a Date`);
    }
    class Codec {
      serialize(v) {
        return `v:${JSON.stringify(v)}`;
      }
      deserialize(s) {
        return JSON.parse(s.slice(2));
      }
    }
    const codec = new lib.EdgeCache({ store, serializer: new Codec(), namespace: "codec" });
    await codec.set("k", [1]);
    equal(await new lib.EdgeCache({ store, serializer: new Codec(), namespace: "codec" }).get("k"), [1], "a class instance's methods");
  }],

  ["a value the serializer refuses is E_VALUE and changes nothing", async (lib) => {
    const { EdgeCache, EdgeCacheError } = lib;
    const broken = [
      { serialize: () => { throw new Error("no"); }, deserialize: JSON.parse },
      { serialize: () => 42, deserialize: JSON.parse },
      { serialize: JSON.stringify, deserialize: () => { throw new Error("no"); } },
      { serialize: JSON.stringify, deserialize: () => undefined },
    ];
    for (const [i, serializer] of broken.entries()) {
      const store = lib.stores.memory();
      const cache = new EdgeCache({ store, serializer });
      await rejectsCode(cache.set("k", 1), "E_VALUE", EdgeCacheError, `serializer ${i}`);
      await rejectsCode(cache.getOrSet("l", () => 1), "E_VALUE", EdgeCacheError, `serializer ${i}, a load`);
      equal(await new EdgeCache({ store }).get("k"), undefined, `serializer ${i}: nothing stored`);
    }
    await rejectsCode(new EdgeCache().set("k", { f: 1n }), "E_VALUE", EdgeCacheError, "JSON without a serializer");
  }],

  ["a record the serializer cannot read is a corrupt miss, left for the writer that can", async (lib) => {
    const store = lib.stores.memory();
    const json = new lib.EdgeCache({ store });
    await json.set("k", "plain JSON");
    const picky = { serialize: (v) => `!${JSON.stringify(v)}`, deserialize: (s) => (s[0] === "!" ? JSON.parse(s.slice(1)) : JSON.parse("{")) };
    const reader = new lib.EdgeCache({ store, serializer: picky });
    equal(await reader.get("k"), undefined);
    equal(reader.stats().store.corrupt, 1);
    await reader.flush();
    equal(await new lib.EdgeCache({ store }).get("k"), "plain JSON", "not deleted");
  }],

  ["a deserialize that gives a promise is refused: E_VALUE on write, a miss on read", async (lib) => {
    const { EdgeCache, EdgeCacheError } = lib;
    const store = lib.stores.memory();
    await new EdgeCache({ store }).set("k", { a: 1 });
    for (const deserialize of [async () => { throw new Error("late"); }, () => new Promise(() => {}), (s) => Promise.resolve(JSON.parse(s))]) {
      const cache = new EdgeCache({ store, serializer: { serialize: JSON.stringify, deserialize } });
      await rejectsCode(cache.set("other", 1), "E_VALUE", EdgeCacheError, "a promise read back");
      equal(await cache.get("k"), undefined, "a record read as a promise is a miss");
    }
  }],

  ["memory keeps the caller's object only when it is the same plain data as the store's copy", async (lib) => {
    const store = lib.stores.memory();
    const cache = new lib.EdgeCache({ store });
    let reads = 0;
    const withGetter = {};
    Object.defineProperty(withGetter, "n", { enumerable: true, get: () => ++reads });
    const hidden = { a: 1 };
    Object.defineProperty(hidden, "toJSON", { enumerable: false, value: () => ({ b: 2 }) });
    class Sub extends Array {}
    const values = {
      "an array with a named property": Object.assign([1, 2], { extra: 3 }),
      "a symbol key": { a: 1, [Symbol("s")]: 2 },
      "a non-enumerable toJSON": hidden,
      "a getter": withGetter,
      "no prototype": Object.assign(Object.create(null), { a: 1 }),
      "an Array subclass": Sub.from([1]),
      "a frozen object": Object.freeze({ a: 1 }),
    };
    const other = new lib.EdgeCache({ store });
    for (const [what, value] of Object.entries(values)) {
      await cache.set(what, value);
      const here = await cache.get(what);
      ok(here !== value, `${what}: not the caller's object`);
      equal(here, await other.get(what), `${what}: the shape another isolate gets`);
      equal(Object.getPrototypeOf(here), Object.getPrototypeOf(await other.get(what)), `${what}: the same kind`);
    }
    class Point {}
    const revive = { serialize: JSON.stringify, deserialize: (s) => Object.assign(new Point(), JSON.parse(s)) };
    const reviving = new lib.EdgeCache({ serializer: revive });
    await reviving.set("p", { x: 3 });
    ok((await reviving.get("p")) instanceof Point, "what the serializer revives, memory serves");
  }],

  ["a load superseded while it ran still answers in the stored shape", async (lib) => {
    const cache = new lib.EdgeCache({ store: lib.stores.memory() });
    let release;
    const loading = cache.getOrSet("k", () => new Promise((r) => (release = r)));
    while (!release) await new Promise((r) => setTimeout(r, 0));
    await cache.set("k", "newer");
    release({ at: new Date(0) });
    equal(await loading, { at: "1970-01-01T00:00:00.000Z" });
    equal(await cache.get("k"), "newer");
  }],
];

/** A plain object with the store's methods bound (to override its limits). */
function bind(store) {
  const out = {};
  for (const m of ["get", "set", "delete", "getMany"]) if (store[m]) out[m] = store[m].bind(store);
  return out;
}

async function storedKeys(memoryStore) {
  return memoryStore.keys();
}
