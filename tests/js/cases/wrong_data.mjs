// Data a cache must never return and errors it must never throw (regressions of a hostile
// run), as runtime-neutral cases [name, fn(lib)].
import { equal, ok, throwsCode } from "./check.mjs";
import { throwingField } from "./hostile_options.mjs";
import { wasmMemoryBytes } from "./wasm_memory.mjs";

const tick = () => new Promise((r) => setTimeout(r, 0));

/** A promise and its resolve. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * A store over `stores.memory()` whose reads, while `hold` is set, take their value at once
 * and answer once it resolves: a slow read that returns what the store held when it began.
 * Keys in `lagging` read as the value it gives (a replica behind the primary).
 */
function slowReads(lib) {
  const base = lib.stores.memory();
  const control = { hold: null, reading: deferred(), lagging: null };
  const store = {
    limits: base.limits,
    get: async (k) => {
      const value = control.lagging?.has(k) ? control.lagging.get(k) : await base.get(k);
      if (control.hold !== null) {
        control.reading.resolve();
        await control.hold.promise;
      }
      return value;
    },
    set: (k, v, o) => base.set(k, v, o),
    delete: (k) => base.delete(k),
  };
  return { base, store, control };
}

/**
 * A store whose next get, set or delete, once armed with `hold(op)`, reads or acts at once
 * but answers only on `release()` (a slow round trip); `started` resolves when it is held.
 */
function heldCalls(base) {
  const held = {};
  const wait = async (op) => {
    const h = held[op];
    delete held[op];
    if (h) {
      h.start();
      await h.released;
    }
  };
  const hold = (op) => {
    const h = {};
    h.released = new Promise((r) => (h.release = r));
    const started = new Promise((r) => (h.start = r));
    held[op] = h;
    return { started, release: () => h.release() };
  };
  const store = {
    limits: base.limits,
    get: async (k) => {
      const v = await base.get(k);
      await wait("get");
      return v;
    },
    set: async (k, v, o) => {
      await wait("set");
      return base.set(k, v, o);
    },
    delete: async (k) => {
      await wait("delete");
      return base.delete(k);
    },
  };
  return { base, store, hold };
}

/** The value another cache over `store` reads (memory off): what the store holds. */
async function inStore(lib, store, key, options = {}) {
  return new lib.EdgeCache({ store, memory: false, ...options }).get(key);
}

/** A Proxy every trap of which throws. */
function throwingProxy() {
  const trap = () => {
    throw new Error("proxy trap");
  };
  return new Proxy({}, { get: trap, has: trap, ownKeys: trap, getOwnPropertyDescriptor: trap, getPrototypeOf: trap });
}

async function rejectsCode(promise, code, EdgeCacheError, what) {
  let error = null;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  ok(error instanceof EdgeCacheError, `${what}: expected an EdgeCacheError, got ${error}`);
  equal(error.code, code, `${what}: code (${error.message})`);
}

/** Both write modes, for the lost-update cases. */
const MODES = [["write-through", {}], ["write-behind", { writeMode: "behind", writeBehind: { maxDelay: 1 } }]];

const lostUpdates = MODES.flatMap(([mode, options]) => [
  [`${mode}: a set made while getOrSet reads the store is not overwritten by that load`, async (lib) => {
    const { store, control } = slowReads(lib);
    const cache = new lib.EdgeCache({ store, ...options });
    control.hold = deferred();
    const loading = cache.getOrSet("k", async () => "loaded");
    await control.reading.promise;
    const setting = cache.set("k", "new");
    control.hold.resolve();
    control.hold = null;
    await setting;
    equal(await loading, "loaded", "the call that began first may answer what it loaded");
    await cache.flush();
    equal(await cache.get("k"), "new", "memory");
    equal(await inStore(lib, store, "k"), "new", "store");
  }],

  [`${mode}: a set made while getOrSet's loader runs is not overwritten by that load`, async (lib) => {
    const base = lib.stores.memory();
    const cache = new lib.EdgeCache({ store: base, ...options });
    const release = deferred();
    const called = deferred();
    const loading = cache.getOrSet("k", async () => {
      called.resolve();
      await release.promise;
      return "loaded";
    });
    await called.promise;
    await cache.set("k", "new");
    release.resolve();
    await loading;
    await cache.flush();
    equal(await cache.get("k"), "new", "memory");
    equal(await inStore(lib, base, "k"), "new", "store");
  }],

  [`${mode}: a delete made while getOrSet reads the store is not undone by that load`, async (lib) => {
    const { store, control } = slowReads(lib);
    const cache = new lib.EdgeCache({ store, ...options });
    await cache.set("k", "old");
    await cache.flush();
    await cache.delete("k"); // memory and store empty: the load below must read the store
    await cache.flush();
    control.hold = deferred();
    const loading = cache.getOrSet("k", async () => "loaded");
    await control.reading.promise;
    const deleting = cache.delete("k");
    control.hold.resolve();
    control.hold = null;
    await deleting;
    await loading;
    await cache.flush();
    equal(await cache.get("k"), undefined, "memory");
    equal(await inStore(lib, store, "k"), undefined, "store");
  }],

  [`${mode}: a set made while a tagged entry's tags are re-checked wins over that call's load`, async (lib) => {
    // The store lags (as Workers KV may, for up to 60 s): its reads of the data record
    // still answer the record from before the set.
    const { base, store, control } = slowReads(lib);
    const clock = { t: 1000 };
    const now = () => clock.t;
    const cache = new lib.EdgeCache({ store, now, ttl: 100, staleWhileRevalidate: 10_000, ...options });
    await cache.set("k", "old", { tags: ["t"] });
    await cache.flush();
    const oldRecord = await base.get("ec:k:k");
    clock.t += 1;
    await new lib.EdgeCache({ store: base, now }).invalidateTags(["t"]);
    clock.t += 150; // past the tag re-check interval (ttl); memory keeps the entry (stale window)
    control.lagging = new Map([["ec:k:k", oldRecord]]);
    control.hold = deferred();
    const loading = cache.getOrSet("k", async () => "loaded", { tags: ["t"] });
    await control.reading.promise; // the tag's re-read
    const setting = cache.set("k", "new");
    control.hold.resolve();
    control.hold = null;
    await setting;
    await loading;
    await cache.flush();
    equal(await cache.get("k"), "new", "memory");
    control.lagging = null;
    equal(await inStore(lib, store, "k", { now }), "new", "store");
  }],
]);

/** Reads that began while a write of their key went out, and answered after it ended. */
const overlappingReads = [
  ["a read begun while a delete goes out does not back-fill the deleted value once it is done", async (lib) => {
    const { base, store, hold } = heldCalls(lib.stores.memory());
    const cache = new lib.EdgeCache({ store });
    await cache.set("k", "old");
    const d = hold("delete");
    const deleting = cache.delete("k");
    await d.started;
    const g = hold("get");
    const reading = cache.get("k"); // memory miss; the store still says "old"
    await g.started;
    d.release();
    await deleting;
    g.release();
    await reading;
    await cache.flush();
    equal(await cache.get("k"), undefined, "memory");
    equal(await inStore(lib, base, "k"), undefined, "store");
  }],

  ["a read begun while a set goes out does not back-fill (or repair, or delete) the older record", async (lib) => {
    const { EdgeCache, HashRing, stores } = lib;
    const shards = [heldCalls(stores.memory()), heldCalls(stores.memory())];
    const [p, r] = new HashRing(["0", "1"]).nodes("ec:k:k", 2).map(Number);
    const cache = new EdgeCache({ store: shards.map((s) => s.store), replicas: 2, memory: { maxEntries: 1 } });
    await cache.set("k", "old");
    await shards[p].base.delete("ec:k:k"); // the primary restarted empty
    const wp = shards[p].hold("set");
    const wr = shards[r].hold("set");
    const setting = cache.set("k", "new");
    await Promise.all([wp.started, wr.started]);
    await cache.set("other", 1); // evicts k from memory
    const g = shards[r].hold("get");
    const reading = cache.get("k"); // the primary misses; the replica's read sees "old"
    await g.started;
    wp.release();
    wr.release();
    await setting;
    const joined = cache.get("k"); // begun after the set resolved: does not join the older read
    g.release();
    await reading;
    equal(await joined, "new", "a get begun after the set resolved");
    await cache.flush();
    equal(await cache.get("k"), "new", "memory");
    for (const i of [p, r]) equal(await inStore(lib, shards[i].base, "k"), "new", `shard ${i}`);
  }],

  ["a stale value found by a read that a set superseded starts no refresh that overwrites the set", async (lib) => {
    // Found by the simulation: the refresh began after the set, so its load counted as newer.
    const { base, store, hold } = heldCalls(lib.stores.memory());
    const clock = { t: 1000 };
    const cache = new lib.EdgeCache({ store, now: () => clock.t, ttl: 100, staleWhileRevalidate: 10_000 });
    await cache.set("k", "old");
    clock.t += 200; // stale: served while a refresh runs
    const fresh = new lib.EdgeCache({ store, now: () => clock.t, ttl: 100, staleWhileRevalidate: 10_000 });
    const g = hold("get");
    let loads = 0;
    const reading = fresh.getOrSet("k", async () => (loads++, "loaded"));
    await g.started;
    await fresh.set("k", "new");
    g.release();
    equal(await reading, "old", "the call that began first answers the stale value it found");
    await fresh.flush();
    equal(loads, 0, "no refresh of a value the set replaced");
    equal(await fresh.get("k"), "new", "memory");
    equal(await inStore(lib, base, "k", { now: () => clock.t, staleWhileRevalidate: 10_000 }), "new", "store");
  }],

  ["a read begun before a load's store write does not put the older value back once it is done", async (lib) => {
    // Found by review: forceRefresh, a stale-while-revalidate refresh and warm write what
    // they loaded without superseding; a read running across that write back-filled memory
    // (and read-repaired the primary) with what it had read before.
    const { EdgeCache, HashRing, stores } = lib;
    for (const how of ["forceRefresh", "refresh", "warm"]) {
      const clock = { t: 0 };
      const now = () => clock.t;
      const shards = [heldCalls(stores.memory({ now })), heldCalls(stores.memory({ now }))];
      const [p, r] = new HashRing(["0", "1"]).nodes("ec:k:k", 2).map(Number);
      const options = { store: shards.map((s) => s.store), replicas: 2, now, ttl: 1000, staleWhileRevalidate: 100_000 };
      await new EdgeCache(options).set("k", "v0");
      await shards[p].base.delete("ec:k:k"); // the primary restarted empty
      if (how !== "forceRefresh") clock.t = 2000; // v0 is stale
      const cache = new EdgeCache(options);
      const g = shards[r].hold("get");
      const early = cache.get("k"); // the replica's v0, answered late
      await g.started;
      if (how === "forceRefresh") await cache.getOrSet("k", async () => "v1", { forceRefresh: true });
      if (how === "refresh") await cache.getOrSet("k", async () => "v1");
      if (how === "warm") await cache.warm([{ key: "k", loader: async () => "v1" }]);
      await cache.flush();
      g.release();
      await early;
      await cache.flush();
      equal(await cache.get("k"), "v1", `${how}: memory`);
      for (const i of [p, r]) equal(await inStore(lib, shards[i].base, "k", { now, staleWhileRevalidate: 100_000 }), "v1", `${how}: shard ${i}`);
    }
  }],

  ["a tagged set whose tag generation cannot be read rejects E_STORE and caches nothing", async (lib) => {
    // Found by review: the record was stamped generation 0, a miss for ever, and set resolved.
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const base = stores.memory();
    let failTagReads = false;
    const store = {
      limits: base.limits,
      get: (k) => (failTagReads && k.includes(":t:") ? Promise.reject(new Error("down")) : base.get(k)),
      set: (k, v, o) => base.set(k, v, o),
      delete: (k) => base.delete(k),
    };
    await new EdgeCache({ store }).invalidateTags(["t"]);
    const cache = new EdgeCache({ store });
    failTagReads = true;
    await rejectsCode(cache.set("k", "v", { tags: ["t"] }), "E_STORE", EdgeCacheError, "set");
    failTagReads = false;
    equal(await cache.get("k"), undefined, "not in memory either");
    await cache.set("k", "v", { tags: ["t"] });
    equal(await new EdgeCache({ store }).get("k"), "v", "once the tag can be read");
  }],

  ["a corrupt record read while a set goes out is not deleted once the set is done", async (lib) => {
    const { base, store, hold } = heldCalls(lib.stores.memory());
    const cache = new lib.EdgeCache({ store, memory: false });
    await base.set("ec:k:k", "damaged", {});
    const w = hold("set");
    const setting = cache.set("k", "new");
    await w.started;
    const g = hold("get");
    const reading = cache.get("k");
    await g.started;
    w.release();
    await setting;
    g.release();
    equal(await reading, undefined);
    await cache.flush();
    equal(await cache.get("k"), "new");
  }],
];

export const wrongDataCases = [
  ...lostUpdates,
  ...overlappingReads,

  ["a tag at the largest generation is not invalidated silently: invalidateTags rejects E_STORE", async (lib) => {
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const clock = { t: 10_000 };
    const base = stores.memory({ now: () => clock.t });
    const make = () => new EdgeCache({ store: base, memory: false, now: () => clock.t });
    await base.set("ec:t:t", "g1:4503599627370496;", {});
    await make().set("k", "v1", { tags: ["t"] });
    equal(await make().get("k"), "v1");
    clock.t += 1000;
    await rejectsCode(make().invalidateTags(["t"]), "E_STORE", EdgeCacheError, "at the maximum");
    await base.delete("ec:t:t"); // the reset the message asks for
    await make().invalidateTags(["t"]);
    await make().set("k", "v2", { tags: ["t"] });
    clock.t += 1000;
    await make().invalidateTags(["t"]);
    equal(await make().get("k"), undefined, "invalidations work again once the record was reset");
  }],

  ["sharded: an invalidation that one owner of the tag missed rejects E_STORE", async (lib) => {
    const { EdgeCache, EdgeCacheError, HashRing, stores } = lib;
    const clock = { t: 1_000_000 };
    const now = () => clock.t;
    const bases = [stores.memory({ now }), stores.memory({ now })];
    let failing = null;
    const shards = bases.map((b, i) => ({
      limits: b.limits,
      get: (k) => b.get(k),
      delete: (k) => b.delete(k),
      set: async (k, v, o) => {
        if (failing === i && k.startsWith("ec:t:")) throw new Error("shard down");
        return b.set(k, v, o);
      },
    }));
    const [primary] = new HashRing(["0", "1"]).nodes("ec:t:t", 2).map(Number);
    const make = () => new EdgeCache({ store: shards, replicas: 2, now, memory: false });
    await make().invalidateTags(["t"]);
    clock.t += 1000;
    await make().set("k", "before", { tags: ["t"] });
    clock.t += 1000;
    failing = primary;
    await rejectsCode(make().invalidateTags(["t"]), "E_STORE", EdgeCacheError, "the primary missed it");
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

  ["a tag whose generation record is garbage counts as invalidated until invalidateTags rewrites it", async (lib) => {
    const { EdgeCache, stores } = lib;
    for (const garbage of ["zz", "", "1e300", "-5", "1.5", " 7", "0x10", "99999999999999999999"]) {
      const clock = { t: 5000 };
      const base = stores.memory({ now: () => clock.t });
      const errors = [];
      const make = () => new EdgeCache({ store: base, memory: false, now: () => clock.t, onEvent: (e) => e.type === "error" && errors.push(e) });
      const writer = make();
      await writer.invalidateTags(["t"]);
      await writer.set("k", "v", { tags: ["t"] });
      equal(await make().get("k"), "v", `${JSON.stringify(garbage)}: valid before`);
      await base.set("ec:t:t", garbage, {});
      const reader = make();
      equal(await reader.get("k"), undefined, `${JSON.stringify(garbage)}: an unreadable generation invalidates`);
      ok(errors.some((e) => e.tier === "store" && /generation/.test(e.reason)), `${JSON.stringify(garbage)}: reported`);
      await rejectsCode(reader.set("k", "written while unreadable", { tags: ["t"] }), "E_STORE", lib.EdgeCacheError, `${JSON.stringify(garbage)}: a set under it`);
      equal(await make().get("k"), undefined, `${JSON.stringify(garbage)}: still not current`);
      clock.t += 1;
      await reader.invalidateTags(["t"]);
      equal(await make().get("k"), undefined, `${JSON.stringify(garbage)}: the entry from before stays invalidated`);
      await reader.set("k", "after", { tags: ["t"] });
      equal(await make().get("k"), "after", `${JSON.stringify(garbage)}: cacheable again`);
    }
  }],

  ["an invalidation whose store write failed counts here for memoryTtl only, then the store's generation wins", async (lib) => {
    // Found by the simulation: the isolate kept its own raise for ever and never again took
    // the entries other isolates wrote under the store's generation.
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const clock = { t: 10_000 };
    const now = () => clock.t;
    const base = stores.memory({ now });
    let failTagWrites = false;
    const store = {
      limits: base.limits,
      get: (k) => base.get(k),
      set: async (k, v, o) => {
        if (failTagWrites && k.startsWith("ec:t:")) throw new Error("store down");
        return base.set(k, v, o);
      },
      delete: (k) => base.delete(k),
    };
    const a = new EdgeCache({ store, now, memoryTtl: 1000 });
    const b = new EdgeCache({ store: base, now, memoryTtl: 1000 });
    await b.invalidateTags(["t"]);
    failTagWrites = true;
    clock.t += 10;
    await rejectsCode(a.invalidateTags(["t"]), "E_STORE", EdgeCacheError, "the failed invalidation");
    failTagWrites = false;
    await b.set("k", "written under the store's generation", { tags: ["t"] });
    equal(await a.get("k"), undefined, "invalidated in this isolate at once");
    clock.t += 1000;
    equal(await a.get("k"), "written under the store's generation", "after memoryTtl the store's view");
  }],

  ["a tag generation that went down (two invalidations raced) is taken as the store has it", async (lib) => {
    // Found by the simulation: an isolate that had read the higher generation kept it, and
    // never again took the entries others wrote under the lower one that landed last.
    const { EdgeCache, stores } = lib;
    const clock = { t: 10_000 };
    const now = () => clock.t;
    const base = stores.memory({ now });
    const a = new EdgeCache({ store: base, now, memoryTtl: 1000 });
    await base.set("ec:t:t", "g1:9000;", {});
    await a.set("k", "before", { tags: ["t"] });
    equal(await a.get("k"), "before");
    await base.set("ec:t:t", "g1:10005;", {}); // the higher one landed first ...
    clock.t += 1000;
    equal(await a.get("k"), undefined, "invalidated");
    await base.set("ec:t:t", "g1:10003;", {}); // ... the lower one last
    const b = new EdgeCache({ store: base, now, memoryTtl: 1000 });
    await b.set("k", "after", { tags: ["t"] });
    clock.t += 1000;
    equal(await a.get("k"), "after", "the entry written under the store's generation");
  }],

  ["tag generation records expire, and no tagged entry outlives them", async (lib) => {
    // A missing record reads as generation 0: an entry written before the invalidation that
    // wrote the record must be gone before the record is.
    const { EdgeCache, stores } = lib;
    const day = 24 * 3_600_000;
    const clock = { t: 10 * day };
    const now = () => clock.t;
    const base = stores.memory({ now });
    const make = () => new EdgeCache({ store: base, memory: false, now });
    await make().set("tagged", "v", { tags: ["t"], ttl: 365 * day });
    await make().set("plain", "v", { ttl: 365 * day });
    clock.t += 1;
    await make().invalidateTags(["t"]);
    equal(await make().get("tagged"), undefined, "invalidated");
    clock.t += 30 * day - 1; // 30 days after the entry was written
    ok((await base.get("ec:t:t")) !== null, "the generation is kept 30 days");
    equal(await base.get("ec:k:tagged"), null, "the tagged entry went first, though its ttl is a year");
    clock.t += 1;
    equal(await base.get("ec:t:t"), null, "then the generation");
    equal(await make().get("tagged"), undefined, "nothing comes back");
    equal(await make().get("plain"), "v", "an untagged entry keeps its ttl");
  }],

  ["a tag generation record cut short is not read as a smaller generation", async (lib) => {
    const { EdgeCache, stores } = lib;
    const clock = { t: 1_733_200_000_000 };
    const base = stores.memory({ now: () => clock.t });
    const make = () => new EdgeCache({ store: base, memory: false, now: () => clock.t });
    await make().invalidateTags(["t"]);
    await make().set("k", "before", { tags: ["t"] });
    equal(await make().get("k"), "before", "current");
    clock.t += 1000;
    await make().invalidateTags(["t"]); // a generation 1000 above the entry's
    equal(await make().get("k"), undefined, "invalidated");
    const record = await base.get("ec:t:t");
    for (let cut = 1; cut < record.length; cut++) {
      await base.set("ec:t:t", record.slice(0, record.length - cut), {});
      equal(await make().get("k"), undefined, `cut by ${cut}`);
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

  ["a shard named __proto__ has its own stats", async (lib) => {
    const { EdgeCache, stores } = lib;
    const shards = { ["__proto__"]: stores.memory(), constructor: stores.memory(), plain: stores.memory() };
    ok(Object.keys(shards).includes("__proto__"), "an own field");
    const cache = new EdgeCache({ store: shards });
    const reader = new EdgeCache({ store: shards, memory: false });
    for (let i = 0; i < 30; i++) await reader.get(`k${i}`);
    const { shards: stats } = reader.stats();
    equal(Object.keys(stats).sort(), ["__proto__", "constructor", "plain"]);
    ok(Object.hasOwn(stats, "__proto__") && typeof stats.__proto__.reads === "number", "__proto__ holds its stats");
    equal(Object.getPrototypeOf(stats), null, "a record without a prototype");
    equal(Object.values(stats).reduce((n, s) => n + s.reads, 0), 30, "every read counted on its shard");
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
];
