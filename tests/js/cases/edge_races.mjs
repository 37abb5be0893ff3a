// EdgeCache under interleavings and odd inputs (regressions of a review), as runtime-neutral
// cases [name, fn(lib)].
import { equal, ok, throwsCode } from "./check.mjs";

const tick = () => new Promise((r) => setTimeout(r, 0));

/**
 * An in-process store whose reads, while `gate.closed`, take their value at once but answer
 * only after `open()`: a slow read that returns what the store held when it began.
 */
function gatedStore(lib, clock) {
  const base = lib.stores.memory({ now: () => clock.t });
  const gate = { closed: false, waiting: [] };
  gate.open = () => {
    gate.closed = false;
    gate.waiting.splice(0).forEach((r) => r());
  };
  const store = {
    limits: base.limits,
    get: async (k) => {
      const value = await base.get(k);
      if (gate.closed) await new Promise((r) => gate.waiting.push(r));
      return value;
    },
    set: (k, v, o) => base.set(k, v, o),
    delete: (k) => base.delete(k),
  };
  return { base, store, gate };
}

export const raceCases = [
  ["a store read that finishes after a set does not back-fill the older value", async (lib) => {
    const clock = { t: 0 };
    const { store, gate } = gatedStore(lib, clock);
    const writer = new lib.EdgeCache({ store, now: () => clock.t });
    const reader = new lib.EdgeCache({ store, now: () => clock.t });
    await writer.set("k", "old");
    gate.closed = true;
    const read = reader.get("k");
    await tick();
    await reader.set("k", "new");
    gate.open();
    equal(await read, "old", "the read that started first may answer the older value");
    equal(await reader.get("k"), "new", "but memory keeps the newer one");
  }],

  ["a delete during a load is not undone by the load", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    const cache = new lib.EdgeCache({ store: base, now: () => clock.t });
    let release;
    const loading = cache.getOrSet("k", () => new Promise((r) => (release = r)));
    while (!release) await tick();
    await cache.delete("k");
    release("loaded");
    equal(await loading, "loaded");
    await cache.flush();
    equal(await cache.get("k"), undefined, "memory");
    equal(await base.get("ec:k:k"), null, "store");
  }],

  ["write-behind keeps the order of a tagged set and a later delete", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    const cache = new lib.EdgeCache({ store: base, now: () => clock.t, writeMode: "behind", writeBehind: { maxDelay: 1 } });
    const setting = cache.set("k", "v", { tags: ["t"] });
    const deleting = cache.delete("k");
    await Promise.all([setting, deleting]);
    await cache.flush();
    equal(await cache.get("k"), undefined);
    equal(await base.get("ec:k:k"), null, "the delete came last in the store too");
  }],

  ["tags work across instances with a fractional clock", async (lib) => {
    const clock = { t: 1000.25 };
    const base = lib.stores.memory({ now: () => clock.t });
    const make = () => new lib.EdgeCache({ store: base, now: () => clock.t, memoryTtl: 10 });
    const a = make();
    await a.invalidateTags(["t"]);
    clock.t += 0.5;
    await a.set("k", "after", { tags: ["t"] });
    equal(await make().get("k"), "after", "written after the invalidation: valid elsewhere");
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

  ["concurrent hits that need a tag re-check share one read of the tag", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    let tagReads = 0;
    const store = {
      limits: base.limits,
      get: (k) => (k.includes(":t:") && tagReads++, base.get(k)),
      set: (k, v, o) => base.set(k, v, o),
      delete: (k) => base.delete(k),
    };
    const cache = new lib.EdgeCache({ store, now: () => clock.t, ttl: 100, staleWhileRevalidate: 1000 });
    await cache.set("k", "v", { tags: ["t"] });
    clock.t += 150; // past the tag re-check interval (ttl), inside the stale window
    tagReads = 0;
    const values = await Promise.all(Array.from({ length: 20 }, () => cache.get("k")));
    ok(values.every((v) => v === "v"));
    equal(tagReads, 1);
  }],

  ["a clock that returns NaN, and memory options the cache owns, are rejected", async (lib) => {
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const cache = new EdgeCache({ store: stores.memory(), now: () => NaN });
    let code;
    await cache.set("k", 1).catch((e) => (code = e.code));
    equal(code, "E_CONFIG");
    throwsCode(() => new EdgeCache({ memory: { maxEntries: 5, now: Date.now } }), "E_CONFIG", EdgeCacheError, "memory.now");
    throwsCode(() => new EdgeCache({ memory: { maxEntries: 5, ttl: 5 } }), "E_CONFIG", EdgeCacheError, "memory.ttl");
  }],

  ["warm's load does not overwrite a set that came in while it loaded", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    const cache = new lib.EdgeCache({ store: base, now: () => clock.t, ttl: 60_000 });
    let release;
    const warming = cache.warm([{ key: "x", loader: () => new Promise((r) => (release = r)) }]);
    while (!release) await tick();
    await cache.set("x", "new");
    release("old-from-warm");
    const report = await warming;
    equal([report.warmed, report.skipped, report.failed], [0, 1, 0], "counted as skipped");
    await cache.flush();
    equal(await cache.get("x"), "new", "memory");
    const other = new lib.EdgeCache({ store: base, now: () => clock.t });
    equal(await other.get("x"), "new", "store");
  }],

  ["warm's freshness read does not back-fill a value older than a set made meanwhile", async (lib) => {
    const clock = { t: 0 };
    const { store, gate } = gatedStore(lib, clock);
    const writer = new lib.EdgeCache({ store, now: () => clock.t, ttl: 60_000 });
    const cache = new lib.EdgeCache({ store, now: () => clock.t, ttl: 60_000 });
    await writer.set("k", "old");
    gate.closed = true;
    const warming = cache.warm([{ key: "k", value: "warm" }]);
    await tick();
    await cache.set("k", "new");
    gate.open();
    await warming;
    equal(await cache.get("k"), "new");
  }],

  ["a store write failing under warm reaches warm as E_STORE, not a getOrSet sharing its load", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    const store = { limits: base.limits, get: (k) => base.get(k), set: async () => { throw new Error("store down"); }, delete: (k) => base.delete(k) };
    const cache = new lib.EdgeCache({ store, now: () => clock.t });
    let release;
    const warming = cache.warm([{ key: "k", loader: () => new Promise((r) => (release = r)) }]);
    while (!release) await tick();
    const reading = cache.getOrSet("k", () => "own");
    release(3);
    equal(await reading, 3, "the shared load's value");
    const report = await warming;
    equal(report.failed, 1);
    ok(report.errors[0].error instanceof lib.EdgeCacheError, "an EdgeCacheError");
    equal(report.errors[0].error.code, "E_STORE");
    equal(await cache.get("k"), 3, "memory has it");
  }],

  ["a write-through the cache stopped waiting for still lands before the next write of the key", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    let stall = null;
    const store = {
      limits: base.limits,
      get: (k) => base.get(k),
      set: async (k, v, o) => {
        if (stall) await stall;
        return base.set(k, v, o);
      },
      delete: (k) => base.delete(k),
    };
    const cache = new lib.EdgeCache({ store, now: () => clock.t, ttl: 60_000, timeout: 5 });
    let release;
    stall = new Promise((r) => (release = r));
    let code;
    await cache.set("k", "v1").catch((e) => (code = e.code));
    equal(code, "E_STORE", "the first write timed out");
    stall = null;
    const second = cache.set("k", "v2");
    release();
    await second;
    const other = new lib.EdgeCache({ store: base, now: () => clock.t });
    equal(await other.get("k"), "v2", "the store ends with the last write");
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

  ["a wrapped function whose key function throws rejects instead of throwing", async (lib) => {
    const cache = new lib.EdgeCache();
    const wrapped = cache.wrap((id) => id * 2, { key: (id) => { if (id < 0) throw new Error("bad id"); return ["double", id]; } });
    equal(await wrapped(2), 4);
    let result;
    try {
      result = wrapped(-1);
    } catch {
      result = "threw synchronously";
    }
    ok(result instanceof Promise, "a promise");
    let message;
    await result.catch((e) => (message = e.message));
    equal(message, "bad id");
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

  ["a store object with set and delete but no get is named as such", async (lib) => {
    const { EdgeCache, EdgeCacheError } = lib;
    for (const store of [{ set() {}, delete() {} }, new (class { put() {} set() {} })()]) {
      const e = throwsCode(() => new EdgeCache({ store }), "E_CONFIG", EdgeCacheError, "store");
      ok(e.message.includes("get"), e.message);
    }
    throwsCode(() => new EdgeCache({ earlyRefresh: [] }), "E_CONFIG", EdgeCacheError, "earlyRefresh []");
    throwsCode(() => new EdgeCache({ earlyRefresh: new Date() }), "E_CONFIG", EdgeCacheError, "earlyRefresh Date");
  }],

  ["a getOrSet that joins warm's failing load still serves its stale value inside staleIfError", async (lib) => {
    const clock = { t: 0 };
    const cache = new lib.EdgeCache({ store: lib.stores.memory({ now: () => clock.t }), now: () => clock.t, ttl: 1000, staleIfError: 60_000 });
    await cache.getOrSet("k", () => "old");
    clock.t += 5000;
    const failing = async () => {
      await tick();
      throw new Error("origin down");
    };
    const warming = cache.warm([{ key: "k", loader: failing }]);
    await tick();
    equal(await cache.getOrSet("k", failing), "old");
    equal((await warming).failed, 1);
  }],

  ["a ttl below the clock's resolution caches nothing in memory instead of failing after the load", async (lib) => {
    const clock = { t: 1.7e12 };
    const cache = new lib.EdgeCache({ store: lib.stores.memory({ now: () => clock.t }), now: () => clock.t });
    let loads = 0;
    equal(await cache.getOrSet("k", () => (loads++, "v"), { ttl: 1e-4 }), "v");
    await cache.set("s", "v", { ttl: 1e-4 });
    equal(loads, 1);
    equal(cache.stats().memory.tier.size, 0, "nothing kept in memory");
  }],

  ["a set that fails for a value with no JSON form leaves a running load alone", async (lib) => {
    const cache = new lib.EdgeCache({ store: lib.stores.memory() });
    let release;
    let loads = 0;
    const first = cache.getOrSet("k", () => (loads++, new Promise((r) => (release = r))));
    while (!release) await tick();
    let code;
    await cache.set("k", 10n).catch((e) => (code = e.code));
    equal(code, "E_VALUE");
    const second = cache.getOrSet("k", () => (loads++, "second"));
    release("first");
    equal([await first, await second, loads], ["first", "first", 1], "the second call joined the first load");
    await cache.flush();
    equal(await cache.get("k"), "first", "and its value was cached");
  }],

  ["a stale value stands in for a failing loader only, not for a value with no JSON form", async (lib) => {
    const clock = { t: 0 };
    const cache = new lib.EdgeCache({ store: lib.stores.memory({ now: () => clock.t }), now: () => clock.t, ttl: 1000, staleIfError: 60_000 });
    await cache.getOrSet("k", () => "old");
    clock.t += 5000;
    let code;
    await cache.getOrSet("k", () => 10n).catch((e) => (code = e.code));
    equal(code, "E_VALUE");
    equal(cache.stats().loader.staleIfError, 0);
  }],
];
