// Failover over three real KV namespaces in workerd (see shards.worker.mjs); the repaired
// records are checked from outside, through Miniflare's view of the namespace.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./harness.mjs";

test("workerd, three KV namespaces, replicas 2: a namespace down mid-loop, then repaired", async () => {
  const worker = await startWorker(new URL("./shards.worker.mjs", import.meta.url), { kvNamespaces: ["KV1", "KV2", "KV3"] });
  try {
    const res = await worker.mf.dispatchFetch("http://edgecache.test/");
    const r = await res.json();
    assert.equal(r.errors, 0, "no error reached the caller");
    assert.equal(r.wrong, 0, "every value was the right one");
    assert.ok(r.whileDown.errors > 0 && r.whileDown.skippedWhileOpen > 0, JSON.stringify(r.whileDown));
    assert.equal(r.after.repairs, r.primaryOfVictim.length);
    const kv2 = await worker.mf.getKVNamespace("KV2");
    const present = await Promise.all(r.primaryOfVictim.map((i) => kv2.get(`ec:k:item:${i}`)));
    assert.equal(present.filter((v) => v === null).length, 0, "every record is back in the namespace");
    assert.ok(r.primaryOfVictim.length > 50);
  } finally {
    await worker.dispose();
  }
});
