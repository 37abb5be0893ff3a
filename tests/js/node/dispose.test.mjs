// One EdgeCache per request, disposed: wasm memory stays flat over 100 000 caches (without
// dispose() it grew by about 5 KiB per cache, freed only when finalizers ran).
import { test } from "node:test";
import assert from "node:assert/strict";
import { EdgeCache, HashRing, MemoryCache, stores } from "edgecache";
// The same module instances as the package's (edgecache resolves to pkg/ in this workspace,
// and dist/testing.js shares the entries' chunk).
import { wasmBuffer } from "../../../pkg/dist/testing.js";

const MiB = 1024 * 1024;

test("100 000 per-request caches, each disposed, leave wasm memory where it was", async () => {
  const store = stores.memory();
  const warmUp = new EdgeCache({ store, writeMode: "behind" });
  await warmUp.set("k", 1);
  await warmUp.dispose();
  const before = wasmBuffer().byteLength;
  for (let i = 0; i < 100_000; i++) {
    const cache = new EdgeCache({ store, writeMode: i % 2 === 0 ? "through" : "behind" });
    await cache.getOrSet(["recs", i % 100], () => ({ i }), { tags: [`user:${i % 7}`] });
    await cache.dispose();
  }
  const grown = wasmBuffer().byteLength - before;
  assert.ok(grown <= MiB, `wasm memory grew by ${(grown / MiB).toFixed(1)} MiB`);
});

test("disposed MemoryCaches, HashRings and sharded caches free their engines too", async () => {
  const before = wasmBuffer().byteLength;
  for (let i = 0; i < 20_000; i++) {
    const memory = new MemoryCache({ maxEntries: 1000, policy: i % 2 === 0 ? "lru" : "tinylfu" });
    memory.set("k", i);
    memory.dispose();
    const ring = new HashRing(["a:1", "b:1", "c:1"]);
    ring.node("k");
    ring.dispose();
    const sharded = new EdgeCache({ store: [stores.memory(), stores.memory()], replicas: 2 });
    await sharded.set("k", i);
    await sharded.dispose();
  }
  const grown = wasmBuffer().byteLength - before;
  assert.ok(grown <= MiB, `wasm memory grew by ${(grown / MiB).toFixed(1)} MiB`);
});
