// Every public promise settles, even when the store or the loader never answers (the limits
// are a few ms of real time, call time limits, not TTLs), and dispose() frees a cache.
// Runtime-neutral cases [name, fn(lib)].
import { equal, ok, throwsCode } from "./check.mjs";
import { faulty } from "../support/faulty_store.mjs";
import { wasmMemoryBytes } from "./wasm_memory.mjs";
import { inStore, never, rejection, rejectsCodeSettled as rejectsCode, tick } from "./edge_support.mjs";

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

  ["dispose() frees a cache at once; a disposed cache refuses calls with E_DISPOSED", async (lib) => {
    const { EdgeCache, MemoryCache, HashRing, EdgeCacheError, stores } = lib;
    const store = stores.memory();
    for (let i = 0; i < 300; i++) {
      const cache = new EdgeCache({ store, memory: { maxEntries: 1000 } });
      await cache.getOrSet(["user", i % 10], () => ({ id: i }));
      await cache.dispose();
      const memory = new MemoryCache({ maxEntries: 1000 });
      memory.set("k", i);
      memory.dispose();
      const ring = new HashRing(["a:1", "b:1"]);
      ring.node("k");
      ring.dispose();
    }
    const cache = new EdgeCache({ store });
    await cache.set("k", 1);
    await cache.dispose();
    await cache.dispose(); // twice is fine
    await rejectsCode(cache.get("k"), "E_DISPOSED", EdgeCacheError, "get after dispose");
    await rejectsCode(cache.set("k", 2), "E_DISPOSED", EdgeCacheError, "set after dispose");
    const memory = new MemoryCache({ maxEntries: 5 });
    memory.dispose();
    throwsCode(() => memory.get("k"), "E_DISPOSED", EdgeCacheError, "MemoryCache.get after dispose");
    throwsCode(() => memory.stats(), "E_DISPOSED", EdgeCacheError, "MemoryCache.stats after dispose");
    equal(await inStore(lib, store, "k"), 1, "what was written stays in the store");
  }],

  ["dispose() waits for write-behind and background work first", async (lib) => {
    const { EdgeCache, stores } = lib;
    const store = stores.memory();
    const cache = new EdgeCache({ store, writeMode: "behind", writeBehind: { maxDelay: 60_000 } });
    await cache.set("k", "queued");
    await tick();
    equal(await inStore(lib, store, "k"), undefined, "not written yet");
    const report = await cache.dispose();
    equal(report.writeBehind.written, 1, "flushed by dispose");
    equal(await inStore(lib, store, "k"), "queued");
  }],

  ["one cache per request, disposed, keeps wasm memory flat (20 000 requests)", async (lib) => {
    const { EdgeCache, stores } = lib;
    const store = stores.memory();
    const first = new EdgeCache({ store });
    await first.getOrSet("k", () => 0, { tags: ["t"] });
    await first.dispose();
    const before = wasmMemoryBytes();
    for (let i = 0; i < 20_000; i++) {
      const cache = new EdgeCache({ store, writeMode: i % 2 === 0 ? "through" : "behind" });
      await cache.getOrSet(["recs", i % 100], () => ({ i }), { tags: [`user:${i % 7}`] });
      await cache.dispose();
    }
    const grown = wasmMemoryBytes() - before;
    ok(grown <= 1024 * 1024, `wasm memory grew by ${grown} bytes`);
  }],

  ["a cache disposed by the caller's own code during its call throws E_DISPOSED", (lib) => {
    const { MemoryCache, HashRing, EdgeCacheError } = lib;
    const m1 = new MemoryCache({ maxBytes: 1000 });
    throwsCode(() => m1.set("k", { toJSON() { m1.dispose(); return 1; } }), "E_DISPOSED", EdgeCacheError, "toJSON disposes");
    const m2 = new MemoryCache();
    throwsCode(() => m2.set("k", 1, { get ttl() { m2.dispose(); return 5; } }), "E_DISPOSED", EdgeCacheError, "an option getter disposes");
    let arm = false;
    const m3 = new MemoryCache({ maxEntries: 5, now: () => { if (arm) m3.dispose(); return 1; } });
    m3.set("k", 1);
    arm = true;
    throwsCode(() => m3.delete("k"), "E_DISPOSED", EdgeCacheError, "the clock disposes");
    const ring = new HashRing(["a:1"]);
    throwsCode(() => ring.add({ get id() { ring.dispose(); return "c:1"; } }), "E_DISPOSED", EdgeCacheError, "a node getter disposes");
  }],
];
