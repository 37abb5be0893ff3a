// The fault-injection wrapper used by the engine's tests: each fault mode does what it
// says, and a seeded schedule replays exactly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { stores } from "edgecache";
import { faulty } from "../support/faulty_store.mjs";

const settle = (p) => p.then((value) => ({ value }), (error) => ({ error: error.message }));
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

test("without faults it is the store: same contract, calls counted and logged", async () => {
  const inner = stores.memory();
  const s = faulty(inner);
  assert.equal(s.name, "memory");
  assert.equal(s.limits, inner.limits);
  await s.set("a", "1", { ttl: 50 });
  assert.equal(await s.get("a"), "1");
  assert.deepEqual(await s.getMany(["a", "b"]), ["1", null]);
  await s.delete("a");
  assert.equal(await inner.get("a"), null);
  assert.deepEqual(s.calls, { get: 1, set: 1, delete: 1, getMany: 1 });
  assert.deepEqual(s.log, [
    { op: "set", key: "a", ttl: 50, fault: null },
    { op: "get", key: "a", fault: null },
    { op: "getMany", keys: ["a", "b"], fault: null },
    { op: "delete", key: "a", fault: null },
  ]);
  const noMany = faulty({ get: async () => null, set: async () => {}, delete: async () => {} });
  assert.equal(noMany.getMany, undefined, "getMany only where the store has it");
});

test("failNext(n, op) rejects the next n calls of that op, then passes", async () => {
  const s = faulty(stores.memory());
  s.failNext(2, "set");
  assert.equal(await s.get("k"), null, "other ops are untouched");
  await assert.rejects(s.set("k", "v", {}), /injected failure \(set #1\)/);
  await assert.rejects(s.set("k", "v", {}), /injected failure \(set #2\)/);
  await s.set("k", "v", {});
  assert.equal(await s.get("k"), "v");
  s.failNext(1);
  await assert.rejects(s.delete("k"), /injected failure/);
  assert.equal(await s.get("k"), "v", "a failed call does not reach the store");
  assert.deepEqual(s.log.map((e) => e.fault), [null, "fail", "fail", null, null, "fail", null]);
});

test("stall() parks every call until release(); then they run", async () => {
  const s = faulty(stores.memory());
  await s.set("k", "v", {});
  const release = s.stall();
  const get = settle(s.get("k"));
  const set = settle(s.set("k", "w", {}));
  let settled = false;
  get.then(() => (settled = true));
  await tick();
  assert.equal(settled, false, "a stalled call hangs");
  assert.equal(s.parked, 2);
  release();
  assert.deepEqual(await get, { value: "v" });
  assert.deepEqual(await set, { value: undefined });
  assert.equal(await s.get("k"), "w", "after release calls run at once");
  assert.equal(s.parked, 0);
});

test("corruptNext(n) turns the next n reads into garbage that is not JSON", async () => {
  const s = faulty(stores.memory(), { seed: 7 });
  const record = JSON.stringify({ v: 1, value: "x".repeat(40) });
  await s.set("k", record, {});
  s.corruptNext(2);
  const bad = await s.get("k");
  assert.notEqual(bad, record);
  assert.throws(() => JSON.parse(bad));
  const many = await s.getMany(["k", "absent"]);
  assert.ok(many.every((v) => typeof v === "string"), "garbage even where the key is absent");
  assert.throws(() => JSON.parse(many[0]));
  assert.equal(await s.get("k"), record, "then reads are clean again");
});

test("down(true) rejects every call until down(false)", async () => {
  const s = faulty(stores.memory());
  s.down(true);
  for (const call of [() => s.get("k"), () => s.set("k", "v", {}), () => s.delete("k"), () => s.getMany(["k"])]) {
    await assert.rejects(call(), /down/);
  }
  s.down(false);
  await s.set("k", "v", {});
  assert.equal(await s.get("k"), "v");
  assert.deepEqual(s.calls, { get: 2, set: 2, delete: 1, getMany: 1 });
});

/** Runs a fixed sequence of 200 calls and returns the fault each got and what it returned. */
async function replay(seed) {
  const s = faulty(stores.memory(), { seed, failRate: 0.2, stallRate: 0.1, corruptRate: 0.2 });
  const outcomes = [];
  for (let i = 0; i < 200; i++) {
    const key = `k${i % 7}`;
    const op = [() => s.set(key, `v${i}`, { ttl: 1000 }), () => s.get(key), () => s.getMany([key, "k0"]), () => s.delete(key)][i % 4];
    const result = settle(op());
    await tick();
    if (s.parked > 0) s.releaseAll();
    outcomes.push(await result);
  }
  return { faults: s.log.map((e) => e.fault), outcomes };
}

test("random faults follow the seed: the same seed replays exactly, another differs", async () => {
  const a = await replay(42);
  const b = await replay(42);
  const c = await replay(43);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a.faults, c.faults);
  const count = (f) => a.faults.filter((x) => x === f).length;
  assert.ok(count("fail") > 20 && count("fail") < 60, `~20% fail, got ${count("fail")}`);
  assert.ok(count("stall") > 5 && count("stall") < 35, `~10% stall, got ${count("stall")}`);
  assert.ok(count("corrupt") > 5, `reads get corrupted, got ${count("corrupt")}`);
  assert.ok(a.faults.every((f, i) => f !== "corrupt" || i % 4 === 1 || i % 4 === 2), "only reads are corrupted");
});

test("rates are checked", () => {
  assert.throws(() => faulty(stores.memory(), { failRate: 1.5 }), /failRate must be in \[0, 1\]/);
  assert.throws(() => faulty(stores.memory(), { failRate: 0.6, stallRate: 0.6 }), /add up to at most 1/);
  assert.throws(() => faulty(stores.memory()).failNext(1, "put"), /op must be one of/);
});
