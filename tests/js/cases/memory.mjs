// MemoryCache behaviour, as runtime-neutral cases: each entry is [name, fn(lib)] where
// lib is the imported package. Node, Deno, workerd and Chromium all run this list.
import { equal, ok, seeded, throwsCode } from "./check.mjs";
import { LruModel } from "./lru_model.mjs";

function clock(start = 1000) {
  const c = { t: start, now: () => c.t };
  return c;
}

export const memoryCases = [
  ["a seeded tinylfu replays exactly: the same operations keep the same keys", (lib) => {
    const run = (seed) => {
      const cache = new lib.MemoryCache({ maxEntries: 50, policy: "tinylfu", seed });
      const rng = seeded(3);
      for (let i = 0; i < 5000; i++) {
        const key = `k${Math.floor(rng.next() ** 3 * 400)}`;
        if (cache.get(key) === undefined) cache.set(key, i);
      }
      const held = [];
      for (let i = 0; i < 400; i++) if (cache.peek(`k${i}`) !== undefined) held.push(i);
      return JSON.stringify([held, cache.stats()]);
    };
    equal(run(42), run(42));
    throwsCode(() => new lib.MemoryCache({ seed: 0 }), "E_CONFIG", lib.EdgeCacheError, "seed 0");
  }],


  ["stores and returns values as stored", ({ MemoryCache }) => {
    const c = new MemoryCache({ maxEntries: 10 });
    const obj = { user: 1, tags: ["a"] };
    c.set("obj", obj);
    c.set("zero", 0);
    c.set("null", null);
    c.set("str", "");
    ok(c.get("obj") === obj, "objects come back as the same object");
    equal(c.get("zero"), 0);
    equal(c.get("null"), null);
    equal(c.get("str"), "");
    equal(c.get("missing"), undefined);
    equal(c.size, 4);
    ok(c.has("null") && !c.has("missing"));
    equal(c.delete("zero"), true);
    equal(c.delete("zero"), false);
    equal(c.size, 3);
    c.clear();
    equal(c.size, 0);
    equal(c.get("obj"), undefined);
  }],

  ["array keys are joined with ':'", ({ MemoryCache }) => {
    const c = new MemoryCache();
    c.set(["user", 123, "recs"], "r");
    equal(c.get("user:123:recs"), "r");
    equal(c.get(["user", "123", "recs"]), "r");
  }],

  ["evicts the least recently used; get bumps, peek does not", ({ MemoryCache }) => {
    const c = new MemoryCache({ maxEntries: 3 });
    c.set("a", 1);
    c.set("b", 2);
    c.set("c", 3);
    c.get("a");
    c.peek("b");
    c.set("d", 4);
    equal(c.has("b"), false, "b was least recent (peek does not bump)");
    equal([c.get("a"), c.get("c"), c.get("d")], [1, 3, 4]);
    c.set("c", 30);
    c.set("e", 5);
    equal(c.has("a"), false, "a became least recent");
    equal(c.get("c"), 30);
    const s = c.stats();
    equal([s.evictions, s.evictionsByReason.capacity, s.size], [2, 2, 3]);
  }],

  ["TTL: default and per entry, from the injected clock", ({ MemoryCache }) => {
    const k = clock();
    const c = new MemoryCache({ ttl: 100, now: k.now });
    c.set("short", 1);
    c.set("long", 2, { ttl: 1000 });
    k.t += 99;
    equal(c.get("short"), 1, "alive just before expiry");
    k.t += 1;
    equal(c.get("short"), undefined, "gone at exactly ttl");
    equal(c.has("long"), true);
    k.t += 900;
    equal(c.has("long"), false);
    equal(c.size, 0, "expired entries are removed when touched");
    const s = c.stats();
    equal([s.expirations, s.hits, s.misses], [2, 1, 1]);
  }],

  ["setting again renews the TTL", ({ MemoryCache }) => {
    const k = clock();
    const c = new MemoryCache({ ttl: 100, now: k.now });
    c.set("a", 1);
    k.t += 80;
    c.set("a", 2);
    k.t += 80;
    equal(c.get("a"), 2);
  }],

  ["maxBytes counts the UTF-8 JSON length or the given size", ({ MemoryCache }) => {
    const c = new MemoryCache({ maxBytes: 20 });
    c.set("a", "héllo");          // JSON "héllo" = 7 chars, é is 2 bytes: 8 bytes
    equal(c.bytes, 8);
    c.set("b", { n: 1 }, { size: 10 });
    equal(c.bytes, 18);
    c.set("c", "x", { size: 5 }); // 23 > 20: a goes
    equal([c.has("a"), c.bytes], [false, 15]);
    c.set("big", "y", { size: 21 });
    equal(c.has("big"), false, "larger than maxBytes: not admitted");
    equal(c.stats().rejected, 1);
    c.set("b", "z", { size: 50 });
    equal(c.has("b"), false, "an oversized replacement drops the old value");
    equal(c.bytes, 5);
    c.set("emoji", "😀", { size: undefined });
    equal(c.bytes, 5 + 6, "surrogate pair = 4 bytes, plus quotes");
  }],

  ["one set may evict hundreds of entries; every one is forgotten", ({ MemoryCache }) => {
    for (const policy of ["lru", "tinylfu"]) {
      const c = new MemoryCache({ maxBytes: 1000, policy });
      for (let i = 0; i < 500; i++) c.set(`small:${i}`, i, { size: 2 });
      for (let i = 0; i < 500; i += 3) c.get(`small:${i}`);
      c.set("huge", "h", { size: 1000 });
      const s = c.stats();
      equal([c.size, s.size, c.bytes], [s.size, s.size, s.bytes], `${policy}: JS and engine agree`);
      let held = 0;
      for (let i = 0; i < 500; i++) if (c.has(`small:${i}`)) held++;
      equal(held + (c.has("huge") ? 1 : 0), c.size, `${policy}: has() agrees with size`);
      ok(c.bytes <= 1000, `${policy}: bytes within bound`);
    }
  }],

  ["hits served without a call into wasm are all counted and ordered", ({ MemoryCache }) => {
    const c = new MemoryCache({ maxEntries: 3 });
    c.set("a", 1);
    c.set("b", 2);
    c.set("c", 3);
    for (let i = 0; i < 1000; i++) c.get(i % 2 ? "a" : "c"); // more than one read buffer
    c.get("b");
    c.get("a");
    c.set("d", 4); // the least recent is c
    equal([c.has("a"), c.has("b"), c.has("c"), c.has("d")], [true, true, false, true]);
    equal(c.stats().hits, 1002);
  }],

  ["onEvict hears each value that leaves and why: capacity, replaced, explicit, expired", ({ MemoryCache }) => {
    const k = clock();
    const told = [];
    const c = new MemoryCache({ maxEntries: 2, ttl: 100, now: k.now, onEvict: (...args) => told.push(args) });
    const user = { name: "Ada" };
    c.set(["user", 1], user);
    c.set("b", 2);
    c.set("c", 3); // user:1 is the least recent
    c.set("b", 20);
    c.set("b", 20); // the value held: nothing leaves
    c.delete("c");
    equal(told.splice(0), [["user:1", user, "capacity"], ["b", 2, "replaced"], ["c", 3, "explicit"]]);
    c.set("d", 4);
    k.t += 100; // b and d expire
    equal([c.get("b"), c.has("d")], [undefined, false]);
    c.set("e", 5);
    c.set("f", 6);
    c.clear();
    equal(told.splice(0), [["b", 20, "expired"], ["d", 4, "expired"], ["e", 5, "explicit"], ["f", 6, "explicit"]]);
    const { capacity, expired, explicit, replaced } = c.stats().evictionsByReason;
    equal([capacity, expired, explicit, replaced], [1, 2, 1, 0], "a clear and a kept replacement are not counted as removals");
  }],

  ["a replacement too large to keep drops the old value, told as replaced; the new one was never stored", ({ MemoryCache }) => {
    const told = [];
    const c = new MemoryCache({ maxBytes: 10, onEvict: (...args) => told.push(args) });
    c.set("a", "x", { size: 5 });
    c.set("a", "y", { size: 50 });
    c.set("b", "z", { size: 50 });
    const same = { v: 1 };
    c.set("c", same, { size: 5 });
    c.set("c", same, { size: 50 }); // the value held, now too large: it leaves
    equal(told, [["a", "x", "replaced"], ["c", same, "replaced"]]);
    equal([c.has("a"), c.has("c"), c.size, c.stats().evictionsByReason.replaced], [false, false, 0, 2]);
  }],

  ["onEvict is called once the change is done: it may use the cache, and one that throws is ignored", ({ MemoryCache }) => {
    const seen = [];
    const c = new MemoryCache({
      maxEntries: 2,
      onEvict: (key, value) => {
        seen.push([key, c.has(key), c.get("c")]);
        if (key === "a") c.set("a2", value); // evicts b, told in turn
        throw new Error("a bug in the handler");
      },
    });
    c.set("a", 1);
    c.set("b", 2);
    c.set("c", 3);
    equal(seen, [["a", false, 3], ["b", false, 3]], "c is stored before the handler runs");
    equal([c.get("a2"), c.get("c"), c.size, c.stats().evictions], [1, 3, 2, 2]);
    c.set("c", 30);
    c.delete("a2");
    c.clear();
    equal(seen.length, 5, "each later removal told too");
    equal(c.size, 0);
  }],

  ["bad options throw E_CONFIG and name the option", ({ MemoryCache, EdgeCacheError }) => {
    const bad = [
      [{ maxEntries: 0 }, "maxEntries"],
      [{ maxEntries: -1 }, "maxEntries"],
      [{ maxEntries: 1.5 }, "maxEntries"],
      [{ maxEntries: "10" }, "maxEntries"],
      [{ maxBytes: Infinity }, "maxBytes"],
      [{ ttl: NaN }, "ttl"],
      [{ ttl: -5 }, "ttl"],
      [{ ttl: Infinity }, "ttl"],
      [{ policy: "fifo" }, "policy"],
      [{ now: 5 }, "now"],
      [{ onEvict: "log" }, "onEvict"],
      [{ maxEntrys: 5 }, "maxEntrys"],
    ];
    for (const [opts, name] of bad) {
      const e = throwsCode(() => new MemoryCache(opts), "E_CONFIG", EdgeCacheError, JSON.stringify(opts));
      ok(e.message.includes(name), `message names ${name}: ${e.message}`);
    }
    throwsCode(() => new MemoryCache(null), "E_CONFIG", EdgeCacheError, "null options");
    throwsCode(() => new MemoryCache("big"), "E_CONFIG", EdgeCacheError, "string options");
  }],

  ["bad keys, values and entry options throw; the cache stays usable", ({ MemoryCache, EdgeCacheError, MAX_KEY_LENGTH }) => {
    const c = new MemoryCache({ maxEntries: 5 });
    c.set("keep", 1);
    throwsCode(() => c.set("", 1), "E_KEY", EdgeCacheError, "empty key");
    throwsCode(() => c.get(42), "E_KEY", EdgeCacheError, "number key");
    throwsCode(() => c.get(undefined), "E_KEY", EdgeCacheError, "undefined key");
    throwsCode(() => c.get([]), "E_KEY", EdgeCacheError, "empty array key");
    throwsCode(() => c.get(["a", {}]), "E_KEY", EdgeCacheError, "object part");
    throwsCode(() => c.get(["a", NaN]), "E_KEY", EdgeCacheError, "NaN part");
    throwsCode(() => c.set("x".repeat(MAX_KEY_LENGTH + 1), 1), "E_KEY", EdgeCacheError, "long key");
    throwsCode(() => c.set("k", undefined), "E_VALUE", EdgeCacheError, "undefined value");
    const ttlZero = throwsCode(() => c.set("k", 1, { ttl: 0 }), "E_ARGUMENT", EdgeCacheError, "ttl 0");
    ok(ttlZero.message.startsWith("set: ttl"), ttlZero.message);
    throwsCode(() => c.set("k", 1, { ttl: "60s" }), "E_ARGUMENT", EdgeCacheError, "ttl string");
    const sizeNegative = throwsCode(() => c.set("k", 1, { size: -1 }), "E_ARGUMENT", EdgeCacheError, "negative size");
    ok(sizeNegative.message.startsWith("set: size"), sizeNegative.message);
    throwsCode(() => c.set("k", 1, { tll: 5 }), "E_ARGUMENT", EdgeCacheError, "unknown option");
    throwsCode(() => c.set("k", 1, 5), "E_ARGUMENT", EdgeCacheError, "options not an object");
    const sized = new MemoryCache({ maxBytes: 100 });
    throwsCode(() => sized.set("k", 10n), "E_VALUE", EdgeCacheError, "BigInt has no JSON size");
    throwsCode(() => sized.set("k", () => 1), "E_VALUE", EdgeCacheError, "function has no JSON size");
    c.set("x".repeat(MAX_KEY_LENGTH), 2);
    equal([c.get("keep"), c.size, c.has("k")], [1, 2, false], "nothing half-done, still usable");
  }],

  ["stats count every outcome", ({ MemoryCache }) => {
    const k = clock();
    const c = new MemoryCache({ maxEntries: 2, ttl: 10, now: k.now });
    c.set("a", 1);
    c.set("b", 2);
    c.get("a");
    c.get("zzz");
    c.set("c", 3);
    c.delete("a");
    k.t += 10;
    c.get("c");
    const s = c.stats();
    equal(
      [s.hits, s.misses, s.sets, s.deletes, s.evictions, s.expirations, s.size],
      [1, 2, 3, 1, 1, 1, 0],
    );
    equal(s.hitRate, 1 / 3);
  }],

  ["tinylfu keeps within capacity and serves hits", ({ MemoryCache }) => {
    const c = new MemoryCache({ maxEntries: 50, policy: "tinylfu" });
    const r = seeded(7);
    let hits = 0;
    for (let i = 0; i < 5000; i++) {
      const key = `k${Math.floor(Math.pow(r.next(), 3) * 500)}`;
      if (c.get(key) !== undefined) hits++;
      else c.set(key, i);
      ok(c.size <= 50, "capacity never exceeded");
    }
    ok(hits > 1000, `skewed keys must hit often (got ${hits})`);
  }],

  ["agrees with a reference LRU model on random operations, and onEvict with why each value left", ({ MemoryCache }) => {
    for (let seed = 1; seed <= 60; seed++) {
      const r = seeded(seed);
      const k = clock();
      const opts = { maxEntries: 1 + r.int(8), ttl: r.next() < 0.5 ? 5 + r.int(50) : undefined };
      if (r.next() < 0.5) opts.maxBytes = 10 + r.int(60);
      const told = [];
      const onEvict = (key, value, reason) => told.push([key, value, reason]);
      const cache = new MemoryCache({ ...opts, now: k.now, onEvict });
      const model = new LruModel(opts);
      for (let step = 0; step < 300; step++) {
        const key = `k${r.int(12)}`;
        const op = r.int(10);
        const where = `seed ${seed} step ${step} op ${op} key ${key}`;
        if (op < 4) equal(cache.get(key), model.get(key, k.t), where);
        else if (op < 7) {
          const size = r.int(25);
          const ttl = r.next() < 0.3 ? 1 + r.int(40) : undefined;
          cache.set(key, step, { size, ttl });
          model.set(key, step, size, ttl, k.t);
        } else if (op === 7) equal(cache.delete(key), model.delete(key, k.t), where);
        else if (op === 8) equal(cache.peek(key), model.peek(key, k.t), where);
        else k.t += r.int(20);
        equal([cache.size, cache.bytes], [model.entries.size, model.bytes], `${where}: size/bytes`);
        equal(told.splice(0), model.evicted.splice(0), `${where}: onEvict`);
      }
      const s = cache.stats();
      equal(
        [s.hits, s.misses, s.evictions, s.expirations, s.rejected],
        [model.hits, model.misses, model.evictions, model.expirations, model.rejected],
        `seed ${seed}: stats`,
      );
    }
  }],

  ["a clock that returns something other than a finite number is refused on use", (lib) => {
    const { MemoryCache, EdgeCacheError } = lib;
    for (const bad of [NaN, "5", undefined, Infinity]) {
      const cache = new MemoryCache({ maxEntries: 4, ttl: 1000, now: () => bad });
      const e = throwsCode(() => cache.set("k", 1), "E_CONFIG", EdgeCacheError, String(bad));
      ok(e.message.startsWith("MemoryCache: now()"), e.message);
    }
  }],
];
