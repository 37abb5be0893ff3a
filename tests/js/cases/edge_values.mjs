// What a value looks like when it comes back: the same shape from every tier (this
// isolate's memory, another isolate's, the store), JSON by default or the caller's
// serializer, and the memory tier's default byte bound. Runtime-neutral cases [name, fn(lib)].
import { equal, ok, throwsCode } from "./check.mjs";

async function rejectsCode(promise, code, EdgeCacheError, what) {
  try {
    await promise;
  } catch (e) {
    ok(e instanceof EdgeCacheError, `${what}: expected EdgeCacheError, got ${e}`);
    equal(e.code, code, `${what}: code (${e.message})`);
    return e;
  }
  throw new Error(`${what}: expected ${code}`);
}

/** Dates survive as `{ $date: ms }` (what a user would write with a JSON replacer). */
const DATES = {
  serialize: (v) => JSON.stringify(v, function replace(k, x) {
    return this[k] instanceof Date ? { $date: this[k].getTime() } : x;
  }),
  deserialize: (s) => JSON.parse(s, (k, x) => (x !== null && typeof x === "object" && "$date" in x ? new Date(x.$date) : x)),
};

export const valueCases = [
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

  ["a record the serializer cannot read is a corrupt miss", async (lib) => {
    const store = lib.stores.memory();
    await new lib.EdgeCache({ store }).set("k", "plain JSON");
    const picky = { serialize: (v) => `!${JSON.stringify(v)}`, deserialize: (s) => (s[0] === "!" ? JSON.parse(s.slice(1)) : JSON.parse("{")) };
    const reader = new lib.EdgeCache({ store, serializer: picky });
    equal(await reader.get("k"), undefined);
    equal(reader.stats().store.corrupt, 1);
  }],

  ["a serializer option that is not two functions is E_CONFIG", async (lib) => {
    const { EdgeCache, EdgeCacheError } = lib;
    for (const serializer of [null, "json", { serialize: JSON.stringify }, { serialize: 1, deserialize: JSON.parse }]) {
      throwsCode(() => new EdgeCache({ serializer }), "E_CONFIG", EdgeCacheError, JSON.stringify(serializer));
    }
    const hostile = { get serialize() { throw new Error("getter"); }, deserialize: JSON.parse };
    throwsCode(() => new EdgeCache({ serializer: hostile }), "E_CONFIG", EdgeCacheError, "a throwing getter");
  }],

  ["the memory tier is bounded by bytes by default", async (lib) => {
    const cache = new lib.EdgeCache();
    const big = "x".repeat(6 * 1024 * 1024);
    for (const k of ["a", "b", "c"]) await cache.set(k, big);
    const tier = cache.stats().memory.tier;
    ok(tier.bytes <= 16 * 1024 * 1024, `${tier.bytes} bytes held`);
    equal(tier.size, 2, "the oldest went for the third");
    equal(await cache.get("c"), big);
  }],
];
