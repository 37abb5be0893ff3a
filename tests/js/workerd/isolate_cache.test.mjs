// A per-isolate EdgeCache in workerd with no ctx.waitUntil and no flush: a request's
// unfinished work is cancelled when it ends, so a later request that waited on it would hang.
// Every later request must answer, from memory, the store or its own loader.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./harness.mjs";

/** Longest a request may take here before it counts as hung (the cache's own bounds are shorter). */
const HUNG_MS = 20_000;

async function ask(worker, kind, t) {
  let timer;
  const hung = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${kind} request at t=${t} hung for ${HUNG_MS} ms`)), HUNG_MS);
  });
  try {
    const res = await Promise.race([worker.mf.dispatchFetch(`http://edgecache.test/?kind=${kind}&t=${t}`), hung]);
    assert.equal(res.status, 200, await res.clone().text());
    return await res.json();
  } finally {
    clearTimeout(timer);
  }
}

for (const kind of ["plain", "tags", "swr", "behind", "sharded"]) {
  test(`workerd, per-isolate cache, no waitUntil (${kind}): sequential requests answer, one load`, async () => {
    const worker = await startWorker(new URL("./isolate_cache.worker.mjs", import.meta.url), { kvNamespaces: ["KV", "KV1", "KV2"] });
    try {
      const first = await ask(worker, kind, 0);
      assert.deepEqual(first, { value: { n: 1 }, loads: 1 });
      for (let i = 1; i <= 3; i++) {
        assert.deepEqual(await ask(worker, kind, i * 1000), { value: { n: 1 }, loads: 1 }, `request ${i + 1}`);
      }
      if (kind === "swr") {
        // Past ttl: served stale, refreshed in the background; the refresh is cancelled with
        // its request, so a later request must be able to start its own.
        assert.deepEqual((await ask(worker, kind, 70_000)).value, { n: 1 });
        let last;
        for (let i = 1; i <= 3; i++) last = await ask(worker, kind, 70_000 + i * 30_000);
        assert.ok(last.loads >= 2, `a refresh ran after the first was cancelled (${last.loads} loads)`);
      }
    } finally {
      await worker.dispose();
    }
  });

  test(`workerd, per-isolate cache, no waitUntil (${kind}): concurrent requests share one load and all answer`, async () => {
    const worker = await startWorker(new URL("./isolate_cache.worker.mjs", import.meta.url), { kvNamespaces: ["KV", "KV1", "KV2"] });
    try {
      const round = await Promise.all(Array.from({ length: 5 }, () => ask(worker, kind, 0)));
      for (const r of round) assert.deepEqual(r.value, { n: 1 });
      const later = await Promise.all(Array.from({ length: 5 }, (_, i) => ask(worker, kind, 1000 + i)));
      for (const r of later) assert.deepEqual(r, { value: { n: 1 }, loads: 1 });
    } finally {
      await worker.dispose();
    }
  });
}
