// Write order: sets and deletes land in the order asked for, a superseded load or read does
// not put an older value back (lost updates, overlapping reads and writes), in both write
// modes. Runtime-neutral cases [name, fn(lib)]; the delays are store latency, never a TTL.
import { equal } from "./check.mjs";
import { hooked, inStore, pause, stored, tick } from "./edge_support.mjs";

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

export const writeOrderCases = [
  ["write-through: concurrent sets of one key go out one at a time, the newest waiting one replacing the others", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const { store, ctl, inner } = hooked(lib, now);
    let sets = 0;
    ctl.hook = (op) => (op === "set" ? (sets++, { delay: 5 }) : {});
    const cache = new lib.EdgeCache({ store, now, memory: false });
    await Promise.all(Array.from({ length: 10 }, (_, i) => cache.set("hot", i)));
    equal(await stored(inner, "ec:k:hot"), 9, "the last set asked for is stored");
    equal(sets, 2, "the first, then the newest of those that waited");
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

  ["a store write that never answers holds the key's next write back for 4 timeouts, not for ever", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const inner = lib.stores.memory({ now });
    let hang = true;
    const store = {
      limits: inner.limits,
      get: (k) => inner.get(k),
      set: (k, v, o) => (hang ? ((hang = false), new Promise(() => {})) : inner.set(k, v, o)),
      delete: (k) => inner.delete(k),
    };
    const cache = new lib.EdgeCache({ store, now, timeout: 5 });
    let code;
    await cache.set("k", "lost").catch((e) => (code = e.code));
    equal(code, "E_STORE", "the first write timed out");
    // Waits behind the first (and times out waiting), then goes out once the first has gone
    // unanswered for 4 timeouts.
    await cache.set("k", "v2").catch(() => {});
    for (let i = 0; i < 200 && (await inner.get("ec:k:k")) === null; i++) await pause(1);
    equal(await stored(inner, "ec:k:k"), "v2");
    await cache.set("k", "v3");
    equal(await stored(inner, "ec:k:k"), "v3", "the key writes normally again");
  }],

  ["a write taken to be lost that lands after all is followed by the newest write again", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const { store, ctl, inner } = hooked(lib, now);
    let slow = true;
    ctl.hook = (op) => (op === "set" && slow ? ((slow = false), { delay: 40 }) : {});
    const cache = new lib.EdgeCache({ store, now, timeout: 5 });
    await cache.set("k", "v1").catch(() => {}); // times out; lands 40 ms after it went out
    await pause(25); // past 4 timeouts: taken to be lost
    await cache.set("k", "v2");
    equal(await stored(inner, "ec:k:k"), "v2");
    for (let i = 0; i < 200 && ctl.calls < 4; i++) await pause(1); // v1 lands, v2 is sent again
    await pause(5);
    equal(await stored(inner, "ec:k:k"), "v2", "still the last write asked for");
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

  ["write-behind with a full queue: a key's writes keep their order, the last one lands", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const { store, ctl, inner } = hooked(lib, now);
    ctl.hook = (op) => (op === "set" || op === "delete" ? { delay: 5 } : {});
    const cache = new lib.EdgeCache({ store, now, writeMode: "behind", writeBehind: { maxQueue: 1, maxDelay: 0 } });
    const waiting = [cache.set("x", 1), cache.set("a", 1), cache.set("b", 1), cache.set("a", 2)];
    await waiting[1];
    await cache.set("a", 3); // a is queued, but its older write a=2 still waits: this waits behind it
    await Promise.all(waiting);
    await cache.flush();
    equal(await stored(inner, "ec:k:a"), 3, "store");
    equal(await new lib.EdgeCache({ store, now, memory: false }).get("a"), 3, "another isolate");
  }],

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

  ["reads that start after a delete or set resolved do not join a slower read from before", async (lib) => {
    for (const writeMode of ["through", "behind"]) {
      const clock = { t: 0 };
      const now = () => clock.t;
      const { store, ctl } = hooked(lib, now);
      await new lib.EdgeCache({ store, now, memory: false }).set("k", "old");
      const cache = new lib.EdgeCache({ store, now, writeMode });
      let first = true;
      ctl.hook = (op) => ((op === "get" || op === "getMany") && first ? ((first = false), { delay: 20, early: true }) : {});
      const before = cache.get("k");
      await pause(2);
      await cache.delete("k");
      equal(await cache.get("k"), undefined, `${writeMode}: after the delete`);
      equal(await before, "old", `${writeMode}: the read from before may answer the old value`);
    }
    const clock = { t: 0 };
    const now = () => clock.t;
    const { store, ctl } = hooked(lib, now);
    const cache = new lib.EdgeCache({ store, now, memory: false });
    await cache.set("k", "old");
    let first = true;
    ctl.hook = (op) => ((op === "get" || op === "getMany") && first ? ((first = false), { delay: 20, early: true }) : {});
    const before = cache.get("k");
    await pause(2);
    await cache.set("k", "new");
    equal(await cache.get("k"), "new", "memory: false, after the set");
    await before;
  }],

  ["a read made while a delete goes out does not copy the deleted value back into memory", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const { store, ctl, inner } = hooked(lib, now);
    const cache = new lib.EdgeCache({ store, now, ttl: 60_000 });
    await cache.set("k", "v1");
    ctl.hook = (op) => (op === "delete" ? { delay: 10 } : {});
    const deleting = cache.delete("k");
    await pause(2);
    await cache.get("k"); // may still find v1 in the store
    await deleting;
    ctl.hook = null;
    equal(await inner.get("ec:k:k"), null, "gone from the store");
    equal(await cache.get("k"), undefined, "and not served from memory");
  }],

  ["a corrupt record found by a read is not deleted when a set of the key came in meanwhile", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const { store, ctl, inner } = hooked(lib, now);
    await inner.set("ec:k:k", "garbage", {});
    const cache = new lib.EdgeCache({ store, now, memory: false });
    ctl.hook = (op) => (op === "get" || op === "getMany" ? { delay: 10, early: true } : {});
    const reading = cache.get("k");
    await pause(2);
    await cache.set("k", "new");
    equal(await reading, undefined, "the corrupt record is a miss");
    await cache.flush();
    equal(await stored(inner, "ec:k:k"), "new");
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

  ...lostUpdates,
  ...overlappingReads,
];
