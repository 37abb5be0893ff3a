// exporters.analyticsEngine in workerd: data points written to Miniflare's Analytics Engine
// binding (which accepts and drops them, so the shape is checked here against the documented
// limits: one index of at most 96 bytes, at most 20 blobs of 16 KB together, 20 doubles).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./harness.mjs";

function checkLimits(point) {
  assert.deepEqual(Object.keys(point).sort(), ["blobs", "doubles", "indexes"]);
  assert.equal(point.indexes.length, 1);
  assert.ok(new TextEncoder().encode(point.indexes[0]).length <= 96);
  assert.ok(point.blobs.length <= 20 && point.blobs.every((b) => typeof b === "string"));
  assert.ok(point.blobs.reduce((n, b) => n + new TextEncoder().encode(b).length, 0) <= 16 * 1024);
  assert.ok(point.doubles.length <= 20 && point.doubles.every((d) => typeof d === "number" && Number.isFinite(d)));
}

test("workerd: a point per request is written to the Analytics Engine binding; counters are per request, states are now", async () => {
  const worker = await startWorker(new URL("./analytics_engine.worker.mjs", import.meta.url), {
    kvNamespaces: ["KV"],
    analyticsEngineDatasets: { STATS: { dataset: "edgecache_stats" } },
  });
  try {
    const first = await (await worker.mf.dispatchFetch("http://edgecache.test/?reads=9")).json();
    const second = await (await worker.mf.dispatchFetch("http://edgecache.test/?reads=3")).json();
    for (const point of [first, second]) checkLimits(point);
    assert.deepEqual(first.indexes, ["shop"]);
    assert.deepEqual(first.blobs.slice(0, 2), ["shop", ""], "namespace, no alert firing");
    assert.equal(first.blobs.length, 3, "and the colo the worker passed");
    assert.deepEqual([first.doubles[0], first.doubles[2], first.doubles[10]], [6, 3, 3], "9 reads of 3 keys: 6 memory hits, 3 misses, 3 loads");
    assert.deepEqual([second.doubles[0], second.doubles[2], second.doubles[10]], [3, 0, 0], "the second request's 3 reads: hits only");
    assert.equal(second.doubles[15], 3, "memory entries now");
  } finally {
    await worker.dispose();
  }
});
