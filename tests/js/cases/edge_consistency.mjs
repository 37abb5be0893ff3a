// EdgeCache consistency under slow and failing store calls (regressions of a review): the
// last write wins in the store, a delete or invalidation is not undone by work that began
// before it, and one failing shard does not poison another. Runtime-neutral cases
// [name, fn(lib)]; the delays are store latency, never a wait for a TTL.
import { equal, ok } from "./check.mjs";

const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * An in-process store whose calls a hook can slow down or fail: `hook(op, key)` returns
 * `{ delay, fail, early }` (early: read the value first, then wait).
 */
function hooked(lib, now, name = "s") {
  const inner = lib.stores.memory({ now });
  const ctl = { hook: null, calls: 0 };
  const run = async (op, key, call) => {
    ctl.calls++;
    const h = ctl.hook?.(op, key) ?? {};
    if (h.early) {
      const result = await call();
      await pause(h.delay ?? 0);
      return result;
    }
    if (h.delay) await pause(h.delay);
    if (h.fail) throw new Error(`${name} ${op} failed`);
    return call();
  };
  const store = {
    name,
    limits: inner.limits,
    get: (k) => run("get", k, () => inner.get(k)),
    set: (k, v, o) => run("set", k, () => inner.set(k, v, o)),
    delete: (k) => run("delete", k, () => inner.delete(k)),
    getMany: (ks) => run("getMany", ks.join(","), () => inner.getMany(ks)),
  };
  return { store, ctl, inner };
}

/** The value in a stored record, or null. */
async function stored(inner, storeKey) {
  const record = await inner.get(storeKey);
  return record === null ? null : JSON.parse(record.slice(record.indexOf("\n") + 1));
}

/** A key whose owners on a ring of `ids` (data keys "ec:k:<key>") start with `owners`. */
function keyOwnedBy(lib, ids, owners, prefix) {
  const ring = new lib.HashRing(ids);
  for (let i = 0; ; i++) {
    const got = ring.nodes(`ec:k:${prefix}${i}`, owners.length);
    if (owners.every((id, j) => got[j] === id)) return `${prefix}${i}`;
  }
}

export const consistencyCases = [
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

  ["read-repair does not write a replica's older copy over a write of the key in progress", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const A = hooked(lib, now, "A");
    const B = hooked(lib, now, "B");
    const cache = new lib.EdgeCache({ store: { A: A.store, B: B.store }, replicas: 2, now, memory: false });
    const key = keyOwnedBy(lib, ["A", "B"], ["A"], "u");
    await cache.set(key, "v1");
    await A.inner.delete(`ec:k:${key}`); // the primary lost it
    A.ctl.hook = B.ctl.hook = (op) => (op === "set" ? { delay: 10 } : {});
    const writing = cache.set(key, "v2");
    await cache.get(key); // primary misses, the replica has v1 (the write is still on its way)
    await writing;
    await cache.flush();
    equal([await stored(A.inner, `ec:k:${key}`), await stored(B.inner, `ec:k:${key}`)], ["v2", "v2"]);
  }],

  ["a set whose tag generation is still being read does not survive an invalidation after it", async (lib) => {
    const clock = { t: 1000 };
    const now = () => clock.t;
    const { store, ctl } = hooked(lib, now);
    const cache = new lib.EdgeCache({ store, now });
    let slow = true;
    ctl.hook = (op, key) => (op !== "set" && key.includes(":t:t") && slow ? ((slow = false), { delay: 20, early: true }) : {});
    const setting = cache.set("k", "before", { tags: ["t"] });
    await pause(1);
    await cache.invalidateTags(["t", "u"]);
    equal(await cache.get("k"), undefined, "this isolate, at once");
    await setting;
    await cache.flush();
    equal(await cache.get("k"), undefined, "this isolate, once the read landed");
    equal(await new lib.EdgeCache({ store, now }).get("k"), undefined, "another isolate");
  }],

  ["a load that began before an invalidation of its tag is returned but not cached", async (lib) => {
    const clock = { t: 1000 };
    const now = () => clock.t;
    const { store } = hooked(lib, now);
    const cache = new lib.EdgeCache({ store, now });
    await cache.invalidateTags(["user:1"]);
    let db = "old";
    const loading = cache.getOrSet("profile:1", async () => {
      const v = db;
      await pause(10);
      return v;
    }, { tags: ["user:1"] });
    await pause(2);
    db = "new";
    clock.t += 1;
    await cache.invalidateTags(["user:1"]);
    equal(await loading, "old", "the caller that asked first gets what was loaded");
    await cache.flush();
    equal(await cache.getOrSet("profile:1", async () => db, { tags: ["user:1"] }), "new");
  }],

  ["a delete that cannot reach a replica (breaker open) rejects instead of reporting success", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const [A, B, C] = ["A", "B", "C"].map((id) => hooked(lib, now, id));
    const cache = new lib.EdgeCache({
      store: { A: A.store, B: B.store, C: C.store }, replicas: 2, now, memory: false, circuitBreaker: { failures: 1, cooldown: 1000 },
    });
    const key = keyOwnedBy(lib, ["A", "B", "C"], ["A", "B"], "d");
    const other = keyOwnedBy(lib, ["A", "B", "C"], ["B"], "o");
    await cache.set(key, "secret");
    B.ctl.hook = () => ({ fail: true });
    await cache.get(other); // one failure opens B's breaker
    B.ctl.hook = null;
    let code;
    await cache.delete(key).catch((e) => (code = e.code));
    equal(code, "E_STORE");
    equal(await stored(A.inner, `ec:k:${key}`), null, "the reachable owner deleted it");
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

  ["a removed shard's failing calls do not open the breaker of the shard added after it", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const [A, X, Y] = ["A", "X", "Y"].map((id) => hooked(lib, now, id));
    const cache = new lib.EdgeCache({ store: { A: A.store, X: X.store }, now, memory: false, circuitBreaker: { failures: 3, cooldown: 60_000 } });
    const keys = [0, 1, 2, 3, 4].map((i) => keyOwnedBy(lib, ["A", "X"], ["X"], `k${i}_`));
    X.ctl.hook = () => ({ delay: 10, fail: true });
    const reads = keys.map((k) => cache.get(k));
    await pause(2);
    cache.removeStore("X");
    cache.addStore("Y", Y.store);
    await Promise.all(reads);
    equal(cache.stats().shards.Y.open, false);
    const onY = keyOwnedBy(lib, ["A", "Y"], ["Y"], "y");
    await cache.set(onY, 1);
    equal(await stored(Y.inner, `ec:k:${onY}`), 1);
  }],

  ["invalidateTags never lowers a tag's stored generation (another isolate's clock ran ahead)", async (lib) => {
    const clock = { t: 1_000_000 };
    const now = () => clock.t;
    const { store, inner } = hooked(lib, now);
    const a = new lib.EdgeCache({ store, now });
    const b = new lib.EdgeCache({ store, now: () => clock.t + 5000 });
    await a.invalidateTags(["t"]);
    await b.invalidateTags(["t"]);
    const generation = async () => Number(/^g1:(\d+);$/.exec(await inner.get("ec:t:t"))[1]);
    const raised = await generation();
    await new lib.EdgeCache({ store, now }).set("k", "before a's invalidation", { tags: ["t"] });
    clock.t += 100;
    await a.invalidateTags(["t"]);
    ok((await generation()) > raised, "raised past b's generation");
    equal(await new lib.EdgeCache({ store, now }).get("k"), undefined, "invalidated for a fresh isolate");
  }],

  ["an entry whose tag generation cannot be read is not served as current", async (lib) => {
    const clock = { t: 1000 };
    const now = () => clock.t;
    const { store, ctl } = hooked(lib, now);
    const writer = new lib.EdgeCache({ store, now });
    await writer.set("k", "before", { tags: ["t"] });
    clock.t += 10;
    await writer.invalidateTags(["t"]);
    const fresh = new lib.EdgeCache({ store, now });
    ctl.hook = (op, key) => (key.includes(":t:") && op !== "set" ? { fail: true } : {});
    equal(await fresh.get("k"), undefined, "tag store down");
    ctl.hook = null;
    equal(await fresh.get("k"), undefined, "tag store back");
  }],

  ["write-behind: one key's hung store write does not hold up the other keys", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const inner = lib.stores.memory({ now });
    let release;
    const hung = new Promise((r) => (release = r));
    const store = {
      limits: inner.limits,
      get: (k) => inner.get(k),
      set: async (k, v, o) => {
        if (k === "ec:k:slow") await hung;
        return inner.set(k, v, o);
      },
      delete: (k) => inner.delete(k),
    };
    const cache = new lib.EdgeCache({ store, now, writeMode: "behind", writeBehind: { maxDelay: 0 } });
    await cache.set("slow", 1);
    await pause(2); // its batch goes out and hangs
    await cache.set("a", 2);
    await cache.set("b", 3);
    for (let i = 0; i < 500 && (await inner.get("ec:k:b")) === null; i++) await pause(1);
    equal([await stored(inner, "ec:k:a"), await stored(inner, "ec:k:b")], [2, 3], "written while slow hangs");
    equal(await stored(inner, "ec:k:slow"), null);
    release();
    await cache.flush();
    equal(await stored(inner, "ec:k:slow"), 1);
  }],

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

  ["while invalidateTags reads the stored generation, reads see it and sets made after it survive it", async (lib) => {
    const clock = { t: 1_000_000 };
    const now = () => clock.t;
    const { store, ctl } = hooked(lib, now);
    await new lib.EdgeCache({ store, now }).set("old", "from another isolate", { tags: ["t"] });
    const cache = new lib.EdgeCache({ store, now, ttl: 60_000 });
    equal(await cache.get("old"), "from another isolate", "back-filled, the tag's generation known");
    clock.t += 10;
    ctl.hook = (op, key) => (op !== "set" && key.includes(":t:") ? { delay: 10 } : {});
    const invalidating = cache.invalidateTags(["t"]);
    await pause(1);
    equal(await cache.get("old"), undefined, "invalidated here before the store answered");
    await cache.set("new", "after", { tags: ["t"] });
    await invalidating;
    ctl.hook = null;
    equal(await cache.get("new"), "after", "a set made after the invalidation began");
    equal(await new lib.EdgeCache({ store, now, memory: false }).get("new"), "after", "also in another isolate");
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

  ["invalidateTags that cannot read the stored generation rejects and writes nothing", async (lib) => {
    const clock = { t: 1_000_000 };
    const now = () => clock.t;
    const { store, ctl, inner } = hooked(lib, now);
    const ahead = new lib.EdgeCache({ store, now: () => clock.t + 10_000 });
    await ahead.invalidateTags(["t"]);
    const raised = await inner.get("ec:t:t");
    await ahead.set("k", "after", { tags: ["t"] });
    const cache = new lib.EdgeCache({ store, now });
    ctl.hook = (op, key) => (op !== "set" && key.includes(":t:") ? { fail: true } : {});
    let code;
    await cache.invalidateTags(["t"]).catch((e) => (code = e.code));
    equal(code, "E_STORE");
    ctl.hook = null;
    equal(await inner.get("ec:t:t"), raised, "the stored generation is untouched");
    equal(await new lib.EdgeCache({ store, now }).get("k"), "after", "another isolate");
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

  ["write-behind: store writes that never answer are given up on, retried, and do not stall the queue", async (lib) => {
    const clock = { t: 0 };
    const now = () => clock.t;
    const inner = lib.stores.memory({ now });
    const store = {
      limits: inner.limits,
      get: (k) => inner.get(k),
      set: (k, v, o) => (k.startsWith("ec:k:hung") ? new Promise(() => {}) : inner.set(k, v, o)),
      delete: (k) => inner.delete(k),
    };
    const events = [];
    const cache = new lib.EdgeCache({
      store, now, timeout: 5, writeMode: "behind", onEvent: (e) => events.push(e.type),
      writeBehind: { maxBatch: 1, maxQueue: 6, maxDelay: 0, retries: 1, retryDelay: 1 },
    });
    for (const k of ["hung1", "hung2", "hung3", "hung4", "a", "b"]) await cache.set(k, k);
    await cache.set("c", "c"); // waits for room
    await cache.flush();
    equal([await stored(inner, "ec:k:a"), await stored(inner, "ec:k:b"), await stored(inner, "ec:k:c")], ["a", "b", "c"]);
    equal(events.filter((t) => t === "dead-letter").length, 4, "the hung writes, after their retry");
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
];
