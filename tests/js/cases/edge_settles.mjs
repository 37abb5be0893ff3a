// Every public promise of EdgeCache settles, even when the store and the loader never
// answer: loaderTimeout bounds loaders, timeout bounds store calls. The limits here are a
// few ms of real time (they are call time limits, not TTLs; TTLs use the manual clock).
import { equal, ok } from "./check.mjs";
import { faulty } from "../support/faulty_store.mjs";

const never = () => new Promise(() => {});

/** The error `promise` rejects with (fails the case when it fulfils). */
async function rejection(promise, what) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`${what}: expected a rejection`);
}

/** A store whose every call hangs until the case ends (a store that never answers). */
function hungStore(lib, clock) {
  const store = faulty(lib.stores.memory({ now: () => clock.t }));
  store.stall();
  return store;
}

export const settleCases = [
  ["a loader that never settles: getOrSet rejects E_LOADER after loaderTimeout, its cause a timeout", async (lib) => {
    const clock = { t: 0 };
    const cache = new lib.EdgeCache({ now: () => clock.t, loaderTimeout: 10 });
    const error = await rejection(cache.getOrSet("k", never), "getOrSet");
    ok(error instanceof lib.EdgeCacheError, String(error));
    equal(error.code, "E_LOADER");
    equal(error.cause?.name, "TimeoutError", "the cause says it timed out");
    ok(/10 ms/.test(error.message), error.message);
    equal(await cache.get("k"), undefined, "nothing cached");
    equal(await cache.getOrSet("k", () => "v"), "v", "the next call loads again");
  }],

  ["loaderTimeout per call overrides the cache's, and joiners of the load get the same rejection", async (lib) => {
    const cache = new lib.EdgeCache({ now: () => 0, loaderTimeout: 60_000 });
    const calls = [cache.getOrSet("k", never, { loaderTimeout: 10 }), cache.getOrSet("k", never, { loaderTimeout: 10 })];
    const [a, b] = await Promise.all(calls.map((p) => rejection(p, "getOrSet")));
    equal([a.code, b.code], ["E_LOADER", "E_LOADER"]);
    ok(a === b, "one load, one error");
    equal(cache.stats().loader.loads, 1);
  }],

  ["a loader past loaderTimeout serves the stale value inside staleIfError", async (lib) => {
    const clock = { t: 0 };
    const cache = new lib.EdgeCache({ now: () => clock.t, ttl: 1000, staleIfError: 10_000, loaderTimeout: 10 });
    await cache.set("k", "old");
    clock.t = 2000;
    equal(await cache.getOrSet("k", never), "old");
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

  ["a store that never answers: every method settles within its bound", async (lib) => {
    const clock = { t: 0 };
    const store = hungStore(lib, clock);
    const cache = new lib.EdgeCache({ store, now: () => clock.t, timeout: 5, loaderTimeout: 20 });
    equal(await cache.get("a"), undefined, "get: a miss");
    equal(await cache.getOrSet("b", never).catch((e) => e.code), "E_LOADER", "getOrSet: the loader's bound");
    equal(await cache.getOrSet("c", () => "loaded", { tags: ["t"] }), "loaded", "getOrSet with tags");
    equal(await cache.set("d", 1).catch((e) => e.code), "E_STORE", "set");
    equal(await cache.delete("d").catch((e) => e.code), "E_STORE", "delete");
    equal(await cache.invalidateTags(["t"]).catch((e) => e.code), "E_STORE", "invalidateTags");
    const warm = await cache.warm([{ key: "f", value: 1 }]);
    equal(warm.total, 1, "warm");
    const report = await cache.flush();
    ok(report.settled >= 1, "flush");
  }],

  ["a store that never answers, write-behind: set, flush and a full queue all settle", async (lib) => {
    const clock = { t: 0 };
    const store = hungStore(lib, clock);
    const dead = [];
    const cache = new lib.EdgeCache({
      store, now: () => clock.t, timeout: 2, writeMode: "behind",
      writeBehind: { maxDelay: 1, maxQueue: 2, retries: 1, retryDelay: 1 },
      onEvent: (e) => e.type === "dead-letter" && dead.push(e.key),
    });
    await Promise.all(["a", "b", "c", "d"].map((k) => cache.set(k, k)));
    await cache.flush();
    equal(cache.stats().writeBehind.depth, 0, "nothing left in the queue");
    equal(dead.sort(), ["a", "b", "c", "d"], "every accepted write was dead-lettered");
  }],
];
