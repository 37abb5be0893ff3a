// The write-behind queue (WriteBehind over the Rust WriteQueueEngine) against flaky,
// stalled and failing stores. Node only: WriteBehind is internal to the package, imported
// by path (the same module instance as the package's: Node resolves the symlink).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as lib from "edgecache";
import { WriteBehind } from "../../../pkg/dist/testing.js";
import { faulty } from "../support/faulty_store.mjs";
import { seeded } from "../cases/check.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** A StoreTier-like object over a KvStore; `concurrency` tracks writes in flight per key. */
function tierOver(store) {
  const inFlight = new Map();
  const concurrency = { max: 0 };
  const call = async (storeKey, run) => {
    const n = (inFlight.get(storeKey) ?? 0) + 1;
    inFlight.set(storeKey, n);
    concurrency.max = Math.max(concurrency.max, n);
    try {
      await run();
    } finally {
      inFlight.set(storeKey, inFlight.get(storeKey) - 1);
    }
  };
  return {
    concurrency,
    write: (storeKey, record, ttl) => call(storeKey, () => store.set(storeKey, record, ttl === undefined ? {} : { ttl })),
    remove: (storeKey) => call(storeKey, () => store.delete(storeKey)),
  };
}

/**
 * A store whose every distinct write (key and record, or key and delete) fails its first
 * `k` attempts, then lands; `attempts` counts all calls.
 */
function flaky(inner, k) {
  const failures = new Map();
  const counts = { attempts: 0 };
  const attempt = async (id, run) => {
    counts.attempts++;
    await null;
    const failed = failures.get(id) ?? 0;
    if (failed < k) {
      failures.set(id, failed + 1);
      throw new Error(`flaky store: attempt ${failed + 1} of ${id} fails`);
    }
    failures.delete(id);
    await run();
  };
  return Object.assign(counts, {
    name: inner.name,
    limits: inner.limits,
    get: (key) => inner.get(key),
    set: (key, value, opts) => attempt(`${key}\u0000${value}`, () => inner.set(key, value, opts)),
    delete: (key) => attempt(`${key}\u0000delete`, () => inner.delete(key)),
  });
}

/** A WriteBehind over `store` (a KvStore) with fast timers, collecting events and background work. */
function setup(store, options = {}) {
  const events = [];
  const tracked = [];
  const tier = tierOver(store);
  const wb = new WriteBehind({
    options: { maxDelay: 1, retryDelay: 1, ...options },
    store: tier,
    emit: (event) => events.push(event),
    background: { add: (p) => tracked.push(p) },
    now: Date.now,
  });
  const deadLetters = () => events.filter((e) => e.type === "dead-letter");
  /** Every background promise settles, and none rejects. */
  const settled = async () => {
    const results = await Promise.allSettled(tracked);
    assert.ok(results.every((r) => r.status === "fulfilled"), "no background work rejects");
  };
  return { wb, tier, events, deadLetters, tracked, settled };
}

const record = (key, v) => JSON.stringify({ key, v });

/** Random sets and deletes on a few keys, pausing now and then so batches go out mid-way. */
async function randomWrites(wb, seed, { ops = 300, keys = 12 } = {}) {
  const rng = seeded(seed);
  const model = new Map();
  for (let i = 0; i < ops; i++) {
    const key = `k${rng.int(keys)}`;
    if (rng.next() < 0.7) {
      await wb.set(key, key, i, record(key, i), 60_000);
      model.set(key, { op: "set", v: i });
    } else {
      await wb.delete(key, key);
      model.set(key, { op: "delete" });
    }
    const pause = rng.next();
    if (pause < 0.05) await sleep(rng.int(4));
    else if (pause < 0.2) await null;
  }
  return model;
}

test("a store failing each write's first k < retries attempts: after flush it equals the model, no dead letters", async () => {
  for (const [seed, k] of [[1, 1], [2, 2], [3, 3]]) {
    const inner = lib.stores.memory();
    const store = flaky(inner, k);
    const { wb, tier, deadLetters, settled } = setup(store, { retries: 4, maxBatch: 5 });
    const model = await randomWrites(wb, seed);
    const report = await wb.flush();
    for (const [key, last] of model) {
      assert.equal(await inner.get(key), last.op === "set" ? record(key, last.v) : null, `seed ${seed}: key ${key}`);
    }
    assert.equal(deadLetters().length, 0);
    assert.equal(report.deadLetters, 0);
    assert.ok(report.retries > 0 && report.batches > 0 && report.written > 0, JSON.stringify(report));
    assert.equal(tier.concurrency.max, 1, "never two writes in flight for one key");
    const s = wb.stats();
    assert.deepEqual([s.depth, s.oldestAgeMs, s.deadLetters], [0, 0, 0]);
    assert.equal(s.written + s.retries, store.attempts, "every attempt either landed or was retried");
    assert.equal(wb.pending("k0"), undefined, "nothing pending after the flush");
    await settled();
  }
});

test("k > retries: every write lost appears in a dead-letter event, counted exactly", async () => {
  const inner = lib.stores.memory();
  const { wb, deadLetters, settled } = setup(flaky(inner, 3), { retries: 2 });
  for (let i = 0; i < 40; i++) await wb.set(`k${i}`, `key ${i}`, { i }, record(`k${i}`, i));
  for (let i = 40; i < 50; i++) await wb.delete(`k${i}`, `key ${i}`);
  const report = await wb.flush();
  assert.equal(report.deadLetters, 50);
  assert.equal(report.written, 0);
  assert.equal(report.retries, 100, "two retries each");
  const events = deadLetters();
  assert.equal(events.length, 50);
  for (let i = 0; i < 50; i++) {
    const e = events.find((x) => x.key === `key ${i}`);
    assert.ok(e, `key ${i} reported`);
    assert.equal(e.op, i < 40 ? "set" : "delete");
    assert.deepEqual(e.value, i < 40 ? { i } : undefined);
    assert.equal(e.attempts, 3);
    assert.match(e.error.message, /flaky store/);
  }
  assert.deepEqual(inner.keys(), []);
  assert.equal(wb.stats().deadLetters, 50);
  await settled();
});

test("k > retries with random writes: each key's store state is its last write, or that write was dead-lettered", async () => {
  for (const seed of [4, 5]) {
    const inner = lib.stores.memory();
    const { wb, deadLetters, settled } = setup(flaky(inner, 2), { retries: 1, maxBatch: 4 });
    const model = await randomWrites(wb, seed, { ops: 200 });
    const report = await wb.flush();
    const events = deadLetters();
    assert.ok(events.length > 0);
    assert.equal(events.length, wb.stats().deadLetters, "one event per dead letter");
    for (const [key, last] of model) {
      const stored = await inner.get(key);
      const expected = last.op === "set" ? record(key, last.v) : null;
      if (stored === expected) continue;
      const lastEvent = events.filter((e) => e.key === key).at(-1);
      assert.ok(lastEvent, `seed ${seed}: key ${key} differs from its last write and was not reported`);
      assert.equal(lastEvent.op, last.op);
      if (last.op === "set") assert.equal(lastEvent.value, last.v);
    }
    const sets = events.filter((e) => e.op === "set").map((e) => `${e.key}:${e.value}`);
    assert.equal(new Set(sets).size, sets.length, "no write reported twice");
    await settled();
  }
});

test("interleaved set / delete / set on one key: the last one ends in the store, in order", async () => {
  const inner = lib.stores.memory();
  const store = faulty(inner);
  const { wb, tier, settled } = setup(store);
  const release = store.stall();
  await wb.set("k", "k", 1, "one");
  while (store.parked === 0) await sleep(1); // "one" is in flight, stalled
  await wb.delete("k", "k"); // waits behind it
  await wb.set("k", "k", 3, "three"); // replaces the delete
  assert.deepEqual(wb.pending("k"), { op: "set", value: 3, record: "three" });
  release();
  await wb.flush();
  assert.equal(await inner.get("k"), "three");
  assert.deepEqual(store.log.filter((e) => e.op !== "get").map((e) => [e.op, e.key]), [["set", "k"], ["set", "k"]]);

  await wb.set("k", "k", 4, "four");
  await wb.delete("k", "k");
  assert.deepEqual(wb.pending("k"), { op: "delete" });
  await wb.flush();
  assert.equal(await inner.get("k"), null, "a trailing delete wins");

  store.failNext(1, "set");
  await wb.set("j", "j", 1, "one");
  await sleep(5); // the first attempt fails; a retry is scheduled
  await wb.delete("j", "j");
  await wb.set("j", "j", 2, "two");
  await wb.flush();
  assert.equal(await inner.get("j"), "two");
  assert.equal(tier.concurrency.max, 1);
  await settled();
});

test("backpressure: with maxQueue 10 and a stalled store the 11th set waits, and depth stays at 10", async () => {
  const inner = lib.stores.memory();
  const store = faulty(inner);
  const { wb, settled } = setup(store, { maxQueue: 10 });
  const release = store.stall();
  for (let i = 0; i < 10; i++) await wb.set(`k${i}`, `k${i}`, i, `v${i}`);
  let accepted = 0;
  const more = Array.from({ length: 40 }, (_, j) => wb.set(`k${10 + j}`, `k${10 + j}`, 10 + j, `v${10 + j}`).then(() => accepted++));
  let maxDepth = 0;
  for (let t = 0; t < 20; t++) {
    await sleep(1);
    maxDepth = Math.max(maxDepth, wb.stats().depth);
  }
  assert.equal(accepted, 0, "the 11th set is still waiting");
  assert.equal(maxDepth, 10);
  assert.equal(store.parked, 10, "the full queue went out at once and stalled");
  assert.ok(wb.stats().oldestAgeMs >= 15, `oldest age ${wb.stats().oldestAgeMs}`);
  assert.equal(wb.pending("k12")?.value, 12, "a waiting write is visible to reads");
  const sampler = setInterval(() => (maxDepth = Math.max(maxDepth, wb.stats().depth)), 0);
  release();
  await Promise.all(more);
  await wb.flush();
  clearInterval(sampler);
  assert.equal(accepted, 40);
  assert.equal(maxDepth, 10, "depth never exceeded maxQueue");
  for (let i = 0; i < 50; i++) assert.equal(await inner.get(`k${i}`), `v${i}`);
  await settled();
});

test("batches: maxBatch writes go out at once, fewer wait maxDelay, flush does not wait", async () => {
  const inner = lib.stores.memory();
  const store = faulty(inner);
  const { wb, tracked, settled } = setup(store, { maxBatch: 3, maxDelay: 60_000 });
  await wb.set("a", "a", 1, "1");
  await wb.set("b", "b", 2, "2");
  await sleep(10);
  assert.equal(store.calls.set, 0, "two writes wait for more or for maxDelay");
  await wb.set("c", "c", 3, "3");
  await sleep(10);
  assert.equal(store.calls.set, 3, "the third filled a batch");
  await wb.set("d", "d", 4, "4");
  const t0 = Date.now();
  assert.deepEqual(await wb.flush(), { written: 1, deadLetters: 0, retries: 0, batches: 1 });
  assert.ok(Date.now() - t0 < 1000, "flush did not wait for maxDelay");
  assert.equal(await inner.get("d"), "4");
  assert.ok(tracked.length >= 2, "drains were handed to the background (waitUntil)");
  assert.deepEqual(await wb.flush(), { written: 0, deadLetters: 0, retries: 0, batches: 0 });

  const { wb: late } = setup(store, { maxDelay: 30 });
  const calls = store.calls.set;
  await late.set("e", "e", 5, "5");
  await sleep(5);
  assert.equal(store.calls.set, calls, "before maxDelay");
  await sleep(60);
  assert.equal(await inner.get("e"), "5", "after maxDelay, without a flush");
  await settled();
});

test("queued writes wait past the store timeout, until a call is taken to be lost", async () => {
  const inner = lib.stores.memory();
  const seen = [];
  const store = {
    write: (storeKey, record, ttl, key, how) => (seen.push(how), inner.set(storeKey, record, { ttl })),
    remove: (storeKey, key, how) => (seen.push(how), inner.delete(storeKey)),
  };
  const wb = new WriteBehind({ options: { maxDelay: 0 }, store, emit: () => {}, background: { add() {} } });
  await wb.set("a", "a", 1, "1", 1000);
  await wb.delete("b", "b");
  await wb.flush();
  assert.equal(seen.length, 2);
  assert.ok(seen.every((how) => how?.patient === true));
});

test("a throwing store, a throwing event handler and a store that throws synchronously reject nothing", async () => {
  const tracked = [];
  const store = {
    write() {
      throw new Error("sync throw");
    },
    remove: () => Promise.reject(new Error("async reject")),
  };
  const wb = new WriteBehind({
    options: { retries: 0, maxDelay: 0 },
    store,
    emit: () => {
      throw new Error("handler fails");
    },
    background: { add: (p) => tracked.push(p) },
  });
  await wb.set("a", "a", 1, "1");
  await wb.delete("b", "b");
  assert.deepEqual(await wb.flush(), { written: 0, deadLetters: 2, retries: 0, batches: 1 });
  const results = await Promise.allSettled(tracked);
  assert.ok(results.every((r) => r.status === "fulfilled"));
});

test("writeBehind options are checked with E_CONFIG errors that name the option", () => {
  const make = (options) => new WriteBehind({ options, store: tierOver(lib.stores.memory()), emit() {}, background: { add() {} } });
  make(undefined);
  make({ maxBatch: 1000, maxDelay: 0, maxQueue: 1, retries: 0, retryDelay: 0 });
  for (const [options, name] of [
    [{ maxBatch: 0 }, "maxBatch"],
    [{ maxBatch: 1001 }, "maxBatch"],
    [{ maxDelay: -1 }, "maxDelay"],
    [{ maxQueue: 1.5 }, "maxQueue"],
    [{ maxQueue: 2e6 }, "maxQueue"],
    [{ retries: 21 }, "retries"],
    [{ retries: "3" }, "retries"],
    [{ retryDelay: 31_000 }, "retryDelay"],
    [{ maxbatch: 5 }, "maxbatch"],
  ]) {
    assert.throws(
      () => make(options),
      (e) => e instanceof lib.EdgeCacheError && e.code === "E_CONFIG" && e.message.includes(name) && e.message.startsWith("EdgeCache writeBehind"),
      JSON.stringify(options),
    );
  }
});

test("a manual clock that never moves cannot stall retries or maxDelay", async () => {
  const inner = lib.stores.memory();
  const store = faulty(inner);
  const events = [];
  const wb = new WriteBehind({
    options: { maxDelay: 5, retryDelay: 2, retries: 2 },
    store: tierOver(store),
    emit: (e) => events.push(e),
    background: { add() {} },
    now: () => 1000,
  });
  store.failNext(2, "set");
  await wb.set("k", "k", 1, "1");
  await sleep(40);
  assert.equal(await inner.get("k"), "1", "sent after maxDelay and two backoffs of real time");
  assert.equal(wb.stats().retries, 2);
  assert.equal(events.length, 0);
});
