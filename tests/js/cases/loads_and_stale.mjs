// Loads: getOrSet's single flight, loader errors and timeouts, forceRefresh, stale-while-
// revalidate, stale-if-error, early refresh, jitter and wrap. Runtime-neutral cases [name, fn(lib)].
import { equal, ok } from "./check.mjs";
import { never, rejection, rejectsCode, setup, tick } from "./edge_support.mjs";

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

export const loadCases = [
  ["1000 concurrent getOrSet: one store read, one loader call, one value", async (lib) => {
    const { cache, store } = setup(lib);
    const g = gate();
    const all = Array.from({ length: 1000 }, () => cache.getOrSet("hot", g.loader));
    await tick();
    equal(g.calls, 1, "one loader call");
    g.resolveAll({ n: 42 });
    const values = await Promise.all(all);
    ok(values.every((v) => v === values[0]) && values[0].n === 42, "all got the same value");
    // One store call (a getMany: the clear epoch's record goes beside the key's).
    equal(store.calls.get + store.calls.getMany, 1, "one store read");
    equal(g.calls, 1);
    await cache.flush();
    equal(store.calls.set, 1, "one store write");
    equal(cache.stats().loader.inFlight, 0);
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

  ["a re-entrant loader may call the cache", async (lib) => {
    const { cache } = setup(lib);
    const v = await cache.getOrSet("outer", async () => {
      const inner = await cache.getOrSet("inner", () => 2);
      await cache.set("side", 3);
      return inner + (await cache.get("side"));
    });
    equal(v, 5);
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

  ["a ttl below the clock's resolution caches nothing in memory instead of failing after the load", async (lib) => {
    const clock = { t: 1.7e12 };
    const cache = new lib.EdgeCache({ store: lib.stores.memory({ now: () => clock.t }), now: () => clock.t });
    let loads = 0;
    equal(await cache.getOrSet("k", () => (loads++, "v"), { ttl: 1e-4 }), "v");
    await cache.set("s", "v", { ttl: 1e-4 });
    equal(loads, 1);
    equal(cache.stats().memory.tier.size, 0, "nothing kept in memory");
  }],

  ["forceRefresh bypasses both tiers", async (lib) => {
    const { cache } = setup(lib);
    await cache.getOrSet("k", () => 1);
    equal(await cache.getOrSet("k", () => 2), 1);
    equal(await cache.getOrSet("k", () => 3, { forceRefresh: true }), 3);
    equal(await cache.get("k"), 3);
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
];
