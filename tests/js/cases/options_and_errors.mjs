// Bad options and arguments, and hostile objects (throwing getters, revoked proxies, values
// changed after the call): refused with a clear EdgeCacheError, never a stray exception.
// Runtime-neutral cases [name, fn(lib)].
import { equal, ok, throwsCode } from "./check.mjs";
import { rejection, rejectsCode, rejectsCodeSettled } from "./edge_support.mjs";

// An exception thrown through wasm frames leaks wasm stack; enough of them would trap the
// instance for every later call, so the cases over throwing options repeat their throw far
// past where that happened (about 100 to 4000 throws).
const REPEATS = 6000;

/** An object whose `name` getter throws. */
function throwingField(name, base = {}) {
  return Object.defineProperty({ ...base }, name, {
    enumerable: true,
    get() {
      throw new Error(`getter ${name}`);
    },
  });
}

function revoked() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

/** Runs `make` REPEATS times, each throwing E_CONFIG, then checks the engines still work. */
function refusedEveryTime(lib, what, make) {
  for (let i = 0; i < REPEATS; i++) {
    const e = throwsCode(make, "E_CONFIG", lib.EdgeCacheError, what);
    if (i === 0) ok(e.cause !== undefined || e.message.length > 0, what);
  }
  const cache = new lib.MemoryCache({ maxEntries: 10, ttl: 1000 });
  cache.set("k", 1);
  equal(cache.get("k"), 1, `${what}: a new MemoryCache still works`);
  const ring = new lib.HashRing(["10.0.0.1:11211", "10.0.0.2:11211"]);
  ok(typeof ring.node("k") === "string", `${what}: a new HashRing still works`);
}

/** A Proxy every trap of which throws. */
function throwingProxy() {
  const trap = () => {
    throw new Error("proxy trap");
  };
  return new Proxy({}, { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap });
}

/**
 * Regressions of a hostile run, written with the check that waits for the promise to settle
 * (rejectsCodeSettled): bound here to the name their bodies use.
 */
const hostileRunCases = ((rejectsCode) => [
  ["timeouts a timer cannot wait (2^31 ms and more) are refused", async (lib) => {
    const { EdgeCache, EdgeCacheError, stores } = lib;
    for (const name of ["timeout", "loaderTimeout"]) {
      throwsCode(() => new EdgeCache({ store: stores.memory(), [name]: 2 ** 31 }), "E_CONFIG", EdgeCacheError, name);
      new EdgeCache({ store: stores.memory(), [name]: 2 ** 31 - 1 });
    }
    throwsCode(() => new EdgeCache({ store: stores.memory(), writeMode: "behind", writeBehind: { maxDelay: 2 ** 31 } }), "E_CONFIG", EdgeCacheError, "maxDelay");
    const cache = new EdgeCache({ store: stores.memory() });
    await rejectsCode(cache.getOrSet("k", () => 1, { loaderTimeout: 2 ** 31 }), "E_ARGUMENT", EdgeCacheError, "per call");
    equal(await cache.getOrSet("k", async () => 1, { loaderTimeout: 2 ** 31 - 1 }), 1);
  }],

  ["stores whose reading throws are refused with E_CONFIG", (lib) => {
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const fine = stores.memory();
    const getter = throwingField("get", { set: fine.set, delete: fine.delete });
    for (const [what, store] of [
      ["a throwing get getter", getter],
      ["a throwing Proxy", throwingProxy()],
      ["a shard that is a throwing Proxy", [fine, throwingProxy()]],
      ["a record with a throwing shard getter", throwingField("b", { a: fine })],
      ["a record that is a throwing getter's shard", { a: getter }],
    ]) {
      throwsCode(() => new EdgeCache({ store }), "E_CONFIG", EdgeCacheError, what);
    }
    const cache = new EdgeCache({ store: [fine] });
    throwsCode(() => cache.addStore("b", throwingProxy()), "E_CONFIG", EdgeCacheError, "addStore of a throwing Proxy");
  }],

  ["per-call options whose reading throws are refused with E_ARGUMENT", async (lib) => {
    const { EdgeCache, EdgeCacheError, MemoryCache, HashRing, stores } = lib;
    const memory = new MemoryCache({ maxEntries: 10 });
    const cache = new EdgeCache({ store: stores.memory() });
    for (const [what, options] of [["a throwing ttl getter", throwingField("ttl")], ["a throwing Proxy", throwingProxy()]]) {
      throwsCode(() => memory.set("k", 1, options), "E_ARGUMENT", EdgeCacheError, `MemoryCache.set with ${what}`);
      await rejectsCode(cache.set("k", 1, options), "E_ARGUMENT", EdgeCacheError, `EdgeCache.set with ${what}`);
      await rejectsCode(cache.getOrSet("k", () => 1, options), "E_ARGUMENT", EdgeCacheError, `getOrSet with ${what}`);
      throwsCode(() => cache.wrap(() => 1, options), "E_ARGUMENT", EdgeCacheError, `wrap with ${what}`);
      await rejectsCode(cache.warm([], options), "E_ARGUMENT", EdgeCacheError, `warm with ${what}`);
      const report = await cache.warm([options]);
      equal(report.failed, 1, `warm of an entry that is ${what}`);
      ok(report.errors[0].error instanceof EdgeCacheError && report.errors[0].error.code === "E_ARGUMENT", `warm entry ${what}: ${report.errors[0].error}`);
      const ring = new HashRing(["a:1"]);
      throwsCode(() => ring.add(options), "E_ARGUMENT", EdgeCacheError, `ring.add of ${what}`);
      equal(ring.size, 1, "the ring is unchanged");
    }
    equal(memory.get("k"), undefined);
    equal(await cache.get("k"), undefined);
  }],

  ["keys and values whose reading throws are refused with E_KEY and E_VALUE", async (lib) => {
    const { EdgeCache, EdgeCacheError, MemoryCache, HashRing, stores } = lib;
    const trap = () => {
      throw new Error("key trap");
    };
    const revokedKey = Proxy.revocable([], {});
    revokedKey.revoke();
    const memory = new MemoryCache({ maxEntries: 10 });
    const cache = new EdgeCache({ store: stores.memory() });
    const ring = new HashRing(["a:1"]);
    for (const [what, key] of [["an array Proxy", new Proxy(["a"], { get: trap })], ["a revoked Proxy", revokedKey.proxy]]) {
      throwsCode(() => memory.get(key), "E_KEY", EdgeCacheError, `MemoryCache.get of ${what}`);
      throwsCode(() => memory.set(key, 1), "E_KEY", EdgeCacheError, `MemoryCache.set of ${what}`);
      throwsCode(() => ring.node(key), "E_KEY", EdgeCacheError, `HashRing.node of ${what}`);
      await rejectsCode(cache.get(key), "E_KEY", EdgeCacheError, `EdgeCache.get of ${what}`);
      await rejectsCode(cache.set(key, 1), "E_KEY", EdgeCacheError, `EdgeCache.set of ${what}`);
    }
    for (const thrown of [null, undefined, "text", new Error("toJSON")]) {
      const value = { toJSON() { throw thrown; } };
      await rejectsCode(cache.set("k", value), "E_VALUE", EdgeCacheError, `a toJSON that throws ${String(thrown)}`);
    }
  }],

  ["hostile values in messages (revoked proxies, objects without a prototype) still give EdgeCacheErrors", async (lib) => {
    const { EdgeCache, EdgeCacheError, MemoryCache, HashRing, stores } = lib;
    const revoked = () => {
      const r = Proxy.revocable({}, {});
      r.revoke();
      return r.proxy;
    };
    const bare = () => Object.create(null);
    const cache = new EdgeCache({ store: stores.memory() });
    await rejectsCode(cache.invalidateTags(revoked()), "E_ARGUMENT", EdgeCacheError, "invalidateTags(revoked)");
    await rejectsCode(cache.set("k", 1, { ttl: revoked() }), "E_ARGUMENT", EdgeCacheError, "ttl revoked");
    await rejectsCode(cache.set("k", 1, { ttl: bare() }), "E_ARGUMENT", EdgeCacheError, "ttl without a prototype");
    await rejectsCode(cache.getOrSet("k", revoked()), "E_ARGUMENT", EdgeCacheError, "loader revoked");
    await rejectsCode(cache.warm([], { concurrency: revoked() }), "E_ARGUMENT", EdgeCacheError, "concurrency revoked");
    throwsCode(() => cache.wrap(revoked()), "E_ARGUMENT", EdgeCacheError, "wrap(revoked)");
    throwsCode(() => new MemoryCache().set("k", 1, { ttl: revoked() }), "E_ARGUMENT", EdgeCacheError, "MemoryCache ttl revoked");
    throwsCode(() => new HashRing(["a:1"]).nodes("k", revoked()), "E_ARGUMENT", EdgeCacheError, "nodes(k, revoked)");
    for (const thrown of [revoked(), bare(), { get message() { throw new Error("message getter"); } }]) {
      await rejectsCode(cache.getOrSet(`k${Math.random()}`, () => { throw thrown; }), "E_LOADER", EdgeCacheError, "a loader throwing a hostile value");
    }
    const failing = (error) => ({ get: async () => { throw error; }, set: async () => { throw error; }, delete: async () => { throw error; } });
    equal(await new EdgeCache({ store: failing(revoked()) }).get("k"), undefined, "a read that the store fails with a revoked proxy");
    await rejectsCode(new EdgeCache({ store: failing(bare()) }).set("k", 1), "E_STORE", EdgeCacheError, "a store failing with an object without a prototype");
    const clocked = new MemoryCache({ now: () => bare() });
    throwsCode(() => clocked.set("k", 1), "E_CONFIG", EdgeCacheError, "a clock returning an object without a prototype");
  }],
])(rejectsCodeSettled);

export const optionCases = [
  ["bad options and arguments throw EdgeCacheError", async (lib) => {
    const { EdgeCache, EdgeCacheError, stores } = lib;
    for (const opts of [{ ttl: 0 }, { ttl: NaN }, { staleWhileRevalidate: -1 }, { jitter: 2 }, { namespace: "" },
      { timeout: "5" }, { store: { get() {} } }, { memory: { maxEntries: 0 } }, { memory: 5 }, { earlyRefresh: { b: 1 } },
      { onEvent: 1 }, { tll: 5 }, { writeMode: "later" }]) {
      throwsCode(() => new EdgeCache(opts), "E_CONFIG", EdgeCacheError, JSON.stringify(opts));
    }
    const cache = new EdgeCache({ store: stores.memory() });
    await rejectsCode(cache.get(""), "E_KEY", EdgeCacheError, "empty key");
    await rejectsCode(cache.getOrSet("k", "not fn"), "E_ARGUMENT", EdgeCacheError, "loader");
    await rejectsCode(cache.set("k", undefined), "E_VALUE", EdgeCacheError, "undefined");
    await rejectsCode(cache.set("k", 10n), "E_VALUE", EdgeCacheError, "BigInt");
    await rejectsCode(cache.set("k", 1, { ttl: -1 }), "E_ARGUMENT", EdgeCacheError, "ttl");
    await rejectsCode(cache.set("k", 1, { tags: "t" }), "E_ARGUMENT", EdgeCacheError, "tags");
    await rejectsCode(cache.invalidateTags([""]), "E_ARGUMENT", EdgeCacheError, "empty tag");
    throwsCode(() => cache.wrap(() => 1, {}), "E_ARGUMENT", EdgeCacheError, "wrap without key");
    await cache.set("k", 1);
    equal(await cache.get("k"), 1, "still usable");
  }],

  ["getOrSet checks its options before calling the loader", async (lib) => {
    const cache = new lib.EdgeCache({ store: lib.stores.memory() });
    let calls = 0;
    for (const opts of [{ ttl: -5 }, { ttl: 0 }, { staleIfError: NaN }, { staleWhileRevalidate: Infinity }]) {
      let code;
      await cache.getOrSet("k", () => calls++, opts).catch((e) => (code = e.code));
      equal(code, "E_ARGUMENT", JSON.stringify(opts));
    }
    equal(calls, 0);
  }],

  ["a clock that returns NaN, and memory options the cache owns, are rejected", async (lib) => {
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const cache = new EdgeCache({ store: stores.memory(), now: () => NaN });
    let code;
    await cache.set("k", 1).catch((e) => (code = e.code));
    equal(code, "E_CONFIG");
    throwsCode(() => new EdgeCache({ memory: { maxEntries: 5, now: Date.now } }), "E_CONFIG", EdgeCacheError, "memory.now");
    throwsCode(() => new EdgeCache({ memory: { maxEntries: 5, ttl: 5 } }), "E_CONFIG", EdgeCacheError, "memory.ttl");
    const onEvict = throwsCode(() => new EdgeCache({ memory: { onEvict: () => {} } }), "E_CONFIG", EdgeCacheError, "memory.onEvict");
    ok(onEvict.message.includes("onEvent"), onEvict.message);
  }],

  ["a store object with set and delete but no get is named as such", async (lib) => {
    const { EdgeCache, EdgeCacheError } = lib;
    for (const store of [{ set() {}, delete() {} }, new (class { put() {} set() {} })()]) {
      const e = throwsCode(() => new EdgeCache({ store }), "E_CONFIG", EdgeCacheError, "store");
      ok(e.message.includes("get"), e.message);
    }
    throwsCode(() => new EdgeCache({ earlyRefresh: [] }), "E_CONFIG", EdgeCacheError, "earlyRefresh []");
    throwsCode(() => new EdgeCache({ earlyRefresh: new Date() }), "E_CONFIG", EdgeCacheError, "earlyRefresh Date");
  }],

  ["a bad loaderTimeout is refused, per cache (E_CONFIG) and per call (E_ARGUMENT)", async (lib) => {
    for (const bad of [0, -1, Number.NaN, Infinity, "10"]) {
      let error;
      try {
        new lib.EdgeCache({ loaderTimeout: bad });
      } catch (e) {
        error = e;
      }
      equal(error?.code, "E_CONFIG", `loaderTimeout ${String(bad)}`);
      ok(/loaderTimeout/.test(error.message), error.message);
      const call = await rejection(new lib.EdgeCache().getOrSet("k", () => 1, { loaderTimeout: bad }), "getOrSet");
      equal(call.code, "E_ARGUMENT", `per call ${String(bad)}`);
    }
  }],

  ["a serializer option that is not two functions is E_CONFIG", async (lib) => {
    const { EdgeCache, EdgeCacheError } = lib;
    for (const serializer of [null, "json", { serialize: JSON.stringify }, { serialize: 1, deserialize: JSON.parse }]) {
      throwsCode(() => new EdgeCache({ serializer }), "E_CONFIG", EdgeCacheError, JSON.stringify(serializer));
    }
    const hostile = { get serialize() { throw new Error("getter"); }, deserialize: JSON.parse };
    throwsCode(() => new EdgeCache({ serializer: hostile }), "E_CONFIG", EdgeCacheError, "a throwing getter");
  }],

  ["namespaces with half of a surrogate pair are refused (they would share keys)", async (lib) => {
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const store = stores.memory();
    for (const namespace of ["t\uD800", "t\uDBFF", "\uD83D", "a\uDC00b"]) {
      const e = throwsCode(() => new EdgeCache({ store, namespace }), "E_CONFIG", EdgeCacheError, JSON.stringify(namespace));
      ok(e.message.includes("surrogate"), e.message);
    }
    const a = new EdgeCache({ store, namespace: "t\uFFFD" });
    await a.set("k", "A secret");
    equal(await new EdgeCache({ store, namespace: "t\u{1F600}", memory: false }).get("k"), undefined, "another tenant");
    equal(await new EdgeCache({ store, namespace: "t\uFFFD", memory: false }).get("k"), "A secret", "the same tenant");
  }],

  ["ring node ids with half of a surrogate pair are refused (the engine would see one id)", (lib) => {
    const { HashRing, EdgeCache, EdgeCacheError, stores } = lib;
    throwsCode(() => new HashRing(["a\uD800", "a\uDBFF"]), "E_CONFIG", EdgeCacheError, "constructor");
    throwsCode(() => new HashRing([{ id: "b\uDC00" }]), "E_CONFIG", EdgeCacheError, "constructor, object node");
    const ring = new HashRing(["a\uFFFD"]);
    throwsCode(() => ring.add("a\uD800"), "E_ARGUMENT", EdgeCacheError, "add");
    equal(ring.remove("a\uDBFF"), false, "remove of such an id removes nothing");
    equal(ring.size, 1);
    equal(ring.node("k"), "a\uFFFD");
    throwsCode(() => new EdgeCache({ store: { ["s\uD800"]: stores.memory(), ["s\uDBFF"]: stores.memory() } }), "E_CONFIG", EdgeCacheError, "shard ids");
  }],

  ["keys and tags with a lone surrogate are refused, so two of them cannot share a record", async (lib) => {
    const cache = new lib.EdgeCache({ store: lib.stores.memory() });
    for (const key of ["user:\uD800", ["user", "\uDBFF"], "\uDC00x"]) {
      let code;
      await cache.set(key, 1).catch((e) => (code = e.code));
      equal(code, "E_KEY", JSON.stringify(key));
    }
    let code;
    await cache.set("k", 1, { tags: ["t\uD800"] }).catch((e) => (code = e.code));
    equal(code, "E_ARGUMENT", "tag");
    await cache.set("emoji:\uD83D\uDE00", 2);
    equal(await cache.get("emoji:\uD83D\uDE00"), 2, "a well-formed pair is fine");
    const memory = new lib.MemoryCache({ maxEntries: 10 });
    memory.set("a\uD800", 1);
    memory.set("a\uDBFF", 2);
    equal([memory.get("a\uD800"), memory.get("a\uDBFF")], [1, 2], "MemoryCache keys stay in the isolate");
  }],

  ["a waitUntil that throws never fails the cache's own calls", async (lib) => {
    const clock = { t: 0 };
    const errors = [];
    const cache = new lib.EdgeCache({
      store: lib.stores.memory({ now: () => clock.t }),
      now: () => clock.t,
      waitUntil: () => {
        throw new Error("waitUntil after the response");
      },
      onEvent: (e) => e.type === "error" && errors.push(e),
    });
    equal(await cache.getOrSet("k", () => "v"), "v");
    await cache.flush();
    equal(await cache.get("k"), "v");
    ok(errors.length >= 1, "reported as an error event");
  }],

  ["options whose reading throws are refused with E_CONFIG, however often", (lib) => {
    const { MemoryCache, EdgeCache, HashRing } = lib;
    refusedEveryTime(lib, "MemoryCache getter", () => new MemoryCache(throwingField("ttl", { maxEntries: 10 })));
    refusedEveryTime(lib, "MemoryCache revoked proxy", () => new MemoryCache(revoked()));
    refusedEveryTime(lib, "EdgeCache memory getter", () => new EdgeCache({ memory: throwingField("maxEntries") }));
    refusedEveryTime(lib, "EdgeCache circuitBreaker getter", () => new EdgeCache({ circuitBreaker: throwingField("failures") }));
    refusedEveryTime(lib, "EdgeCache writeBehind getter", () => new EdgeCache({ writeBehind: throwingField("maxBatch") }));
    refusedEveryTime(lib, "HashRing node getter", () => new HashRing([throwingField("id")]));
    refusedEveryTime(lib, "HashRing options getter", () => new HashRing(["a:1"], throwingField("mode")));
    refusedEveryTime(lib, "HashRing options revoked proxy", () => new HashRing(["a:1"], revoked()));
  }],

  ["a HashRing stays usable after add() of a node whose reading throws", (lib) => {
    const ring = new lib.HashRing(["10.0.0.1:11211"]);
    for (let i = 0; i < REPEATS; i++) throwsCode(() => ring.add(throwingField("id")), "E_ARGUMENT", lib.EdgeCacheError, "add");
    ring.add({ id: "10.0.0.2:11211", weight: 2 });
    equal(ring.nodes("k", 2).length, 2, "both nodes");
    ok(ring.remove("10.0.0.1:11211"));
    equal(ring.node("k"), "10.0.0.2:11211");
  }],

  ["options with class instances, arrays and functions still reach the engines as their kinds", (lib) => {
    const { MemoryCache, EdgeCache, HashRing, EdgeCacheError } = lib;
    class Options {
      constructor() {
        this.maxEntries = 3;
      }
    }
    const fromClass = new MemoryCache(new Options());
    for (const k of ["a", "b", "c", "d"]) fromClass.set(k, 1);
    equal(fromClass.size, 3, "a class instance's own fields are read");
    throwsCode(() => new MemoryCache({ maxEntries: [5] }), "E_CONFIG", EdgeCacheError, "array field");
    throwsCode(() => new MemoryCache({ maxEntries: new Date() }), "E_CONFIG", EdgeCacheError, "object field");
    throwsCode(() => new MemoryCache({ now: 5 }), "E_CONFIG", EdgeCacheError, "now not a function");
    throwsCode(() => new EdgeCache({ memory: { maxEntries: () => 5 } }), "E_CONFIG", EdgeCacheError, "function field");
    throwsCode(() => new HashRing("a:1"), "E_CONFIG", EdgeCacheError, "nodes not an array");
    const ring = new HashRing([{ id: "10.0.0.1:11211", weight: 3 }, "10.0.0.2:11211"], { pointsPerNode: 40 });
    equal(ring.nodes("k", 5).length, 2);
  }],

  ["a tags array changed after the call does not change what was stored", async (lib) => {
    const clock = { t: 0 };
    const cache = new lib.EdgeCache({ store: lib.stores.memory({ now: () => clock.t }), now: () => clock.t });
    const tags = ["a"];
    const setting = cache.set("k", 1, { tags });
    tags.push(42);
    tags[0] = "b";
    await setting;
    await cache.invalidateTags(["b"]);
    equal(await cache.get("k"), 1, "not under the tag written into the array later");
    const invalidating = ["a"];
    const invalidation = cache.invalidateTags(invalidating);
    invalidating[0] = 42;
    await invalidation;
    equal(await cache.get("k"), undefined, "invalidated under its own tag");
  }],

  ...hostileRunCases,
];
