// Options and arguments whose reading throws (getters, revoked proxies) or that change after
// the call, as runtime-neutral cases [name, fn(lib)]. An exception thrown through wasm
// frames leaks wasm stack; enough of them would trap the instance for every later call, so
// each case repeats its throw far past where that happened (about 100 to 4000 throws).
import { equal, ok, throwsCode } from "./check.mjs";

const REPEATS = 6000;

/** An object whose `name` getter throws. */
export function throwingField(name, base = {}) {
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

export const hostileCases = [
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
];
