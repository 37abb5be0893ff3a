// How many calls into wasm a read makes, counted by wrapping every method of the engines
// wasm-bindgen exports: a memory hit makes one (its plan), a miss → store miss → load →
// write at most five (the engine plans; counters and latency go through the report buffer).
import { test } from "node:test";
import assert from "node:assert/strict";
import { EdgeCache, stores } from "edgecache"; // initialises the wasm module
import { engine } from "../../../pkg/dist/testing.js";

const calls = [];
for (const cls of [engine.EdgeEngine, engine.MemoryEngine, engine.RingEngine, engine.WriteQueueEngine, engine.TagEngine]) {
  for (const target of [cls.prototype, cls]) {
    for (const name of Object.getOwnPropertyNames(target)) {
      const method = Object.getOwnPropertyDescriptor(target, name).value;
      // wasm-bindgen's own helpers (`__wrap`, `__destroy_into_raw`) stay in JavaScript.
      if (typeof method !== "function" || name === "constructor" || name.startsWith("__")) continue;
      target[name] = function counted(...args) {
        calls.push(`${cls.name}.${name}`);
        return method.apply(this, args);
      };
    }
  }
}

/** The wasm calls `run()` makes. */
async function counting(run) {
  calls.length = 0;
  await run();
  return calls.splice(0);
}

async function cacheWithOneEntry() {
  const cache = new EdgeCache({ store: stores.memory(), ttl: 60_000 });
  await cache.getOrSet("warm-up", () => 0); // views laid out, names read
  await cache.flush();
  return cache;
}

test("a miss, a store miss, a load and its write make at most five wasm calls", async () => {
  const cache = await cacheWithOneEntry();
  const made = await counting(async () => {
    assert.deepEqual(await cache.getOrSet(["user", 1], async () => ({ name: "Ada" })), { name: "Ada" });
    await cache.flush();
  });
  console.log(`miss → load → write: ${made.length} wasm calls: ${made.join(", ")}`);
  assert.ok(made.length <= 5, made.join(", "));
  assert.ok(made.length >= 3, "the count sees the calls"); // a plan, the memory write, the record
  await cache.dispose();
});

test("a memory hit makes one wasm call, through get and getOrSet alike", async () => {
  const cache = await cacheWithOneEntry();
  await cache.set("k", { a: 1 });
  for (const read of [() => cache.get("k"), () => cache.getOrSet("k", () => assert.fail("no load on a hit"))]) {
    const made = await counting(async () => assert.deepEqual(await read(), { a: 1 }));
    assert.deepEqual(made, ["EdgeEngine.readPlan"]);
  }
  assert.equal(cache.stats().memory.hits, 2, "the plan counted both hits");
  await cache.dispose();
});

test("a tagged memory hit makes two wasm calls (its tags' check, its plan), decided synchronously", async () => {
  const cache = await cacheWithOneEntry();
  await cache.set("k", { a: 1 }, { tags: ["user:1", "all"] });
  const made = await counting(async () => assert.deepEqual(await cache.get("k"), { a: 1 }));
  assert.deepEqual(made, ["TagEngine.check", "EdgeEngine.readPlan"]);
  await cache.invalidateTags(["all"]);
  assert.equal(await cache.get("k"), undefined, "invalidated");
  await cache.dispose();
});

test("a store hit makes at most five wasm calls, its back-fill included", async () => {
  const store = stores.memory();
  const writer = new EdgeCache({ store, ttl: 60_000 });
  await writer.set("warm-up", 0);
  await writer.set("k", [1, 2, 3]);
  const reader = new EdgeCache({ store, ttl: 60_000 });
  await reader.get("warm-up"); // its first back-fill lays out the memory tier's views
  assert.equal(reader.stats().memory.backfills, 1);
  const made = await counting(async () => assert.deepEqual(await reader.get("k"), [1, 2, 3]));
  console.log(`store hit: ${made.length} wasm calls: ${made.join(", ")}`);
  assert.ok(made.length <= 5, made.join(", "));
  assert.equal(reader.stats().memory.backfills, 2);
  await Promise.all([writer.dispose(), reader.dispose()]);
});
