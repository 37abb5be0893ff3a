// EdgeCache with writeMode "behind", as runtime-neutral cases [name, fn(lib)]. (The queue's
// own model, retry and ordering tests are in tests/js/node/write_behind.test.mjs.)
import { equal, ok, throwsCode } from "./check.mjs";
import { faulty } from "../support/faulty_store.mjs";
import { pause, stored } from "./edge_support.mjs";

function setup(lib, writeBehind = {}, more = {}) {
  const clock = { t: 0 };
  const base = lib.stores.memory({ now: () => clock.t });
  const store = faulty(base);
  const events = [];
  const cache = new lib.EdgeCache({
    store,
    now: () => clock.t,
    writeMode: "behind",
    writeBehind: { maxDelay: 1, retryDelay: 1, ...writeBehind },
    onEvent: (e) => events.push(e),
    ...more,
  });
  const direct = new lib.EdgeCache({ store: base, now: () => clock.t, memory: false });
  return { clock, base, store, cache, direct, events };
}

export const writeBehindCases = [
  ["write-behind: reads see a write at once, even before it reaches the store", async (lib) => {
    const { cache, direct } = setup(lib, { maxDelay: 10_000, maxBatch: 1000 }, { memory: false });
    await direct.set("k", "old");
    await cache.set("k", "new");
    equal(await cache.get("k"), "new", "the queued write, not the store's older copy");
    equal(await direct.get("k"), "old", "not in the store yet");
    equal(await cache.delete("k"), true);
    equal(await cache.get("k"), undefined, "a queued delete is a miss");
    const report = await cache.flush();
    equal(await direct.get("k"), undefined);
    equal(report.writeBehind.written, 1, "the set and the delete coalesced into one write");
  }],

  ["write-behind: repeated writes to a key coalesce into fewer store calls", async (lib) => {
    const { cache, store, direct } = setup(lib, { maxBatch: 100, maxDelay: 5 });
    for (let i = 0; i < 1000; i++) await cache.set(`k${i % 20}`, i);
    await cache.flush();
    ok(store.calls.set <= 200, `store writes ${store.calls.set} for 1000 sets of 20 keys`);
    for (let j = 0; j < 20; j++) equal(await direct.get(`k${j}`), 980 + j, `last value of k${j}`);
    const s = cache.stats().writeBehind;
    equal([s.depth, s.deadLetters], [0, 0]);
  }],

  ["write-behind: a full queue makes set wait (backpressure), nothing is dropped", async (lib) => {
    const { cache, store, direct } = setup(lib, { maxQueue: 10, maxBatch: 5 });
    const release = store.stall();
    const accepted = [];
    const sets = Array.from({ length: 15 }, (_, i) => cache.set(`k${i}`, i).then(() => accepted.push(i)));
    await new Promise((r) => setTimeout(r, 20));
    equal(accepted.length, 10, "exactly maxQueue accepted while the store is stalled");
    equal(cache.stats().writeBehind.depth, 10, "depth bounded");
    release();
    await Promise.all(sets);
    await cache.flush();
    for (let i = 0; i < 15; i++) equal(await direct.get(`k${i}`), i);
  }],

  ["write-behind: writes that keep failing are dead-lettered with key and value", async (lib) => {
    const { cache, store, events } = setup(lib, { retries: 1 });
    store.down(true);
    await cache.set("a", { v: 1 });
    await cache.set("b", { v: 2 });
    const report = await cache.flush();
    const dead = events.filter((e) => e.type === "dead-letter");
    equal(dead.map((e) => [e.key, e.value?.v]).sort(), [["a", 1], ["b", 2]]);
    equal(report.writeBehind.deadLetters, 2);
    equal(await cache.get("a"), { v: 1 }, "memory still has it");
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

  ["write-behind: option errors", async (lib) => {
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const store = stores.memory();
    throwsCode(() => new EdgeCache({ store, writeBehind: { maxBatch: 5 } }), "E_CONFIG", EdgeCacheError, "without writeMode");
    throwsCode(() => new EdgeCache({ writeMode: "behind" }), "E_CONFIG", EdgeCacheError, "without a store");
    for (const wb of [{ maxBatch: 0 }, { maxQueue: -1 }, { retries: 50 }, { maxDelay: NaN }, { batch: 1 }]) {
      throwsCode(() => new EdgeCache({ store, writeMode: "behind", writeBehind: wb }), "E_CONFIG", EdgeCacheError, JSON.stringify(wb));
    }
  }],
];
