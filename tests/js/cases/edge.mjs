// EdgeCache behaviour over the in-process store with a manual clock and the seeded fault
// wrapper, as runtime-neutral cases [name, fn(lib)]. Real platform stores are exercised
// by each runtime's own tests.
import { equal, ok, throwsCode } from "./check.mjs";
import { faulty } from "../support/faulty_store.mjs";

function setup(lib, options = {}, storeOptions = {}) {
  const clock = { t: 1_000_000 };
  const now = () => clock.t;
  const base = lib.stores.memory({ now });
  const store = faulty(base, { seed: 1, ...storeOptions });
  const make = (more = {}) => new lib.EdgeCache({ store, now, ttl: 1000, ...options, ...more });
  return { clock, store, base, cache: make(), make };
}

/** A loader whose calls are counted and whose results are released by hand. */
function gate() {
  const g = { calls: 0, pending: [] };
  g.loader = () => {
    g.calls++;
    return new Promise((resolve, reject) => g.pending.push({ resolve, reject }));
  };
  g.resolveAll = (v) => g.pending.splice(0).forEach((p) => p.resolve(v));
  g.rejectAll = (e) => g.pending.splice(0).forEach((p) => p.reject(e));
  return g;
}

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

const tick = () => new Promise((r) => setTimeout(r, 0));

export const edgeCases = [
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
    const reads = store.calls.get;
    clock.t += 100;
    equal(await reader.get("k"), "v");
    equal(store.calls.get, reads + 1, "memory copy expired after memoryTtl: read the store again");
  }],

  ["1000 concurrent getOrSet: one store read, one loader call, one value", async (lib) => {
    const { cache, store } = setup(lib);
    const g = gate();
    const all = Array.from({ length: 1000 }, () => cache.getOrSet("hot", g.loader));
    await tick();
    equal(g.calls, 1, "one loader call");
    g.resolveAll({ n: 42 });
    const values = await Promise.all(all);
    ok(values.every((v) => v === values[0]) && values[0].n === 42, "all got the same value");
    equal(store.calls.get, 1, "one store read");
    equal(g.calls, 1);
    await cache.flush();
    equal(store.calls.set, 1, "one store write");
    equal(cache.stats().loader.inFlight, 0);
  }],

  ["concurrent callers share a loader's error; errors are not cached", async (lib) => {
    const { cache, EdgeCacheError = lib.EdgeCacheError } = setup(lib);
    const g = gate();
    const all = Array.from({ length: 50 }, () => cache.getOrSet("k", g.loader).then(() => null, (e) => e));
    await tick();
    g.rejectAll(new Error("db down"));
    const errors = await Promise.all(all);
    ok(errors.every((e) => e === errors[0]), "the same error object");
    ok(errors[0] instanceof EdgeCacheError && errors[0].code === "E_LOADER", "E_LOADER");
    ok(errors[0].cause?.message === "db down", "the loader's error is the cause");
    equal(await cache.getOrSet("k", () => "ok"), "ok", "the next call loads again");
    await rejectsCode(cache.getOrSet("u", () => undefined), "E_LOADER", EdgeCacheError, "undefined result");
  }],

  ["stale-while-revalidate: stale at once, one background refresh, fresh after", async (lib) => {
    const waited = [];
    const { cache, clock } = setup(lib, { staleWhileRevalidate: 500, waitUntil: (p) => waited.push(p) });
    let version = 1;
    let calls = 0;
    const loader = async () => {
      calls++;
      return { version: version };
    };
    equal((await cache.getOrSet("k", loader)).version, 1);
    version = 2;
    clock.t += 1200; // past the 1000 ms TTL, inside the window
    const stale = await Promise.all([cache.getOrSet("k", loader), cache.getOrSet("k", loader)]);
    equal(stale.map((v) => v.version), [1, 1], "stale values at once");
    await cache.flush();
    equal(calls, 2, "exactly one refresh");
    ok(waited.length >= 1, "background work went to waitUntil");
    equal((await cache.getOrSet("k", loader)).version, 2, "fresh after the refresh");
    equal(cache.stats().loader.refreshes, 1);
  }],

  ["stale-if-error serves stale inside its window, fails outside it", async (lib) => {
    const { cache, clock, EdgeCacheError = lib.EdgeCacheError } = setup(lib, { staleIfError: 5000 });
    await cache.getOrSet("k", () => "old");
    const failing = () => {
      throw new Error("origin down");
    };
    clock.t += 3000;
    equal(await cache.getOrSet("k", failing), "old", "inside the window");
    equal(cache.stats().loader.staleIfError, 1);
    clock.t += 4000;
    await rejectsCode(cache.getOrSet("k", failing), "E_LOADER", EdgeCacheError, "outside the window");
  }],

  ["a failing store falls back to the loader, and stale to stale-if-error", async (lib) => {
    const { cache, store, make, clock } = setup(lib, { staleIfError: 5000 });
    await cache.set("k", "v1");
    store.down(true);
    const fresh = make();
    equal(await fresh.get("k"), undefined, "get: store down, nothing in memory");
    equal(await fresh.getOrSet("k", () => "from origin"), "from origin", "getOrSet: the loader answers");
    clock.t += 2000;
    equal(await cache.getOrSet("k", () => { throw new Error("x"); }), "v1", "stale from memory when both fail");
    ok(fresh.stats().store.errors >= 1);
    store.down(false);
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

  ["forceRefresh bypasses both tiers", async (lib) => {
    const { cache } = setup(lib);
    await cache.getOrSet("k", () => 1);
    equal(await cache.getOrSet("k", () => 2), 1);
    equal(await cache.getOrSet("k", () => 3, { forceRefresh: true }), 3);
    equal(await cache.get("k"), 3);
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

  ["tags: invalidation makes entries misses here at once and elsewhere within memoryTtl", async (lib) => {
    const { cache, make, clock } = setup(lib, { memoryTtl: 200 });
    await cache.set("u1", "a", { tags: ["user:1"] });
    await cache.set("u2", "b", { tags: ["user:2"] });
    const other = make({ memoryTtl: 200 });
    equal(await other.get("u1"), "a");
    await cache.invalidateTags(["user:1"]);
    equal(await cache.get("u1"), undefined, "this isolate: at once");
    equal(await cache.get("u2"), "b", "other tags untouched");
    clock.t += 200;
    equal(await other.get("u1"), undefined, "another isolate: after memoryTtl");
    let loads = 0;
    equal(await cache.getOrSet("u1", () => (loads++, "a2"), { tags: ["user:1"] }), "a2");
    equal(loads, 1, "the invalidated entry was loaded again");
    await cache.flush();
    equal(await make().get("u1"), "a2", "a value written after the invalidation is valid");
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

  ["a re-entrant loader may call the cache", async (lib) => {
    const { cache } = setup(lib);
    const v = await cache.getOrSet("outer", async () => {
      const inner = await cache.getOrSet("inner", () => 2);
      await cache.set("side", 3);
      return inner + (await cache.get("side"));
    });
    equal(v, 5);
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

  ["wrap memoises a function by its arguments", async (lib) => {
    const { cache } = setup(lib);
    let calls = 0;
    const recs = cache.wrap(async (id, n) => (calls++, `recs:${id}:${n}`), { key: (id, n) => ["recs", id, n], ttl: 500 });
    equal(await recs(1, 5), "recs:1:5");
    equal(await recs(1, 5), "recs:1:5");
    equal(await recs(2, 5), "recs:2:5");
    equal(calls, 2);
    equal(await cache.get(["recs", 1, 5]), "recs:1:5");
  }],

  ["early refresh (XFetch) refreshes a hot key before it expires", async (lib) => {
    const { cache, clock } = setup(lib, { earlyRefresh: { beta: 1e9 } });
    let calls = 0;
    const slow = async () => {
      calls++;
      await new Promise((r) => setTimeout(r, 2)); // a load that takes measurable time (delta)
      return calls;
    };
    await cache.getOrSet("k", slow);
    clock.t += 900; // 100 ms before expiry; a huge beta * delta makes the draw fire
    equal(await cache.getOrSet("k", slow), 1, "still served the current value");
    await cache.flush();
    ok(calls === 2, `refreshed early (calls ${calls})`);
  }],

  ["jitter spreads expiries below the TTL", async (lib) => {
    const { cache, base } = setup(lib, { jitter: 0.5, memory: false });
    for (let i = 0; i < 50; i++) await cache.set(`k${i}`, i);
    const expiries = new Set();
    for (let i = 0; i < 50; i++) expiries.add(Number((await base.get(`ec:k:k${i}`)).split("|")[3])); // ec2|bodyLength|created|expires
    ok(expiries.size > 40, `spread (${expiries.size} distinct)`);
    for (const e of expiries) ok(e > 1_000_000 + 499 && e <= 1_001_000, `within [ttl/2, ttl]: ${e}`);
  }],

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

  ["a memory-only EdgeCache (no store) still single-flights and expires", async (lib) => {
    const clock = { t: 0 };
    const cache = new lib.EdgeCache({ now: () => clock.t, ttl: 100 });
    const g = gate();
    const all = [cache.getOrSet("k", g.loader), cache.getOrSet("k", g.loader)];
    await tick();
    g.resolveAll("v");
    equal(await Promise.all(all), ["v", "v"]);
    equal(g.calls, 1);
    clock.t += 100;
    equal(await cache.get("k"), undefined);
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
