// Write-behind in workerd: the response comes back before the writes (the Worker's own view
// of the namespace at response time); ctx.waitUntil keeps the isolate alive until every
// write is in the KV namespace (read from outside).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./harness.mjs";

test("workerd: writes behind the response reach the KV namespace through waitUntil", async () => {
  const worker = await startWorker(new URL("./write_behind.worker.mjs", import.meta.url), { kvNamespaces: ["KV"] });
  try {
    const res = await worker.mf.dispatchFetch("http://edgecache.test/?n=20");
    const body = await res.json();
    assert.deepEqual(
      body,
      { accepted: 20, readBack: { i: 0 }, depth: 20, written: 0, inNamespace: 0 },
      "nothing written when the response left",
    );
    const kv = await worker.mf.getKVNamespace("KV");
    const deadline = Date.now() + 10_000;
    let keys = [];
    while (Date.now() < deadline) {
      keys = (await kv.list({ prefix: "ec:k:order:" })).keys;
      if (keys.length === 20) break;
      await new Promise((r) => setTimeout(r, 50)); // waiting for the isolate's waitUntil work
    }
    assert.equal(keys.length, 20, "every accepted write landed after the response");
    const record = await kv.get("ec:k:order:7");
    assert.match(record, /^ec2\|7\|.*\n\{"i":7\}$/s);
  } finally {
    await worker.dispose();
  }
});
