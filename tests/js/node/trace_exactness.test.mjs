// Replaying cloudPhysicsIO through the public MemoryCache (byte-bounded, object sizes as
// `size`) reproduces libCacheSim's LRU miss counts exactly at all eight capacities.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MemoryCache } from "edgecache";
import { cloudPhysics } from "../traces.mjs";

const MiB = 1024 * 1024;
// tests/fixtures/README.md, libCacheSim test_evictionAlgo.c.
const LRU_MISSES = [93374, 89783, 83572, 81722, 72494, 72104, 71972, 71704];

test("cloudPhysicsIO: LRU misses match libCacheSim at 128..1024 MiB", () => {
  const trace = cloudPhysics();
  assert.equal(trace.length, 113872, "request count per the traces README");
  const misses = LRU_MISSES.map((_, i) => {
    const cache = new MemoryCache({ maxBytes: (i + 1) * 128 * MiB });
    let n = 0;
    for (const { id, size } of trace) {
      if (cache.get(id) === undefined) {
        n++;
        cache.set(id, true, { size });
      }
    }
    assert.equal(cache.stats().misses, n, "stats agree with the replay");
    return n;
  });
  assert.deepEqual(misses, LRU_MISSES);
});
