// Cross-isolate single flight in workerd (Miniflare): coordinators.durableObject with the
// EdgeCacheLease class bound as a Durable Object namespace, over a real KV namespace.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { MINIFLARE, startWorker } from "./harness.mjs";

let worker;
before(async () => {
  worker = await startWorker(new URL("./lease.worker.mjs", import.meta.url), { kvNamespaces: ["KV"], durableObjects: { LEASES: "EdgeCacheLease" } });
});
after(() => worker?.dispose());

async function run(name) {
  const res = await worker.mf.dispatchFetch(`http://edgecache.test/?case=${name}`);
  assert.equal(res.status, 200, await res.clone().text());
  return res.json();
}

test(`workerd (${MINIFLARE}): six caches with a Durable Object lease make one loader call for a cold key`, async () => {
  const { calls, values } = await run("race");
  assert.equal(calls, 1);
  assert.deepEqual(values, Array(6).fill({ n: 1 }));
});

test(`workerd (${MINIFLARE}): a lease object grants one holder, freed only by its token, taken over once expired`, async () => {
  assert.deepEqual(await run("lease"), { token: "string", whileHeld: null, afterWrongRelease: null, afterRelease: "string", afterExpiry: "string" });
});

test(`workerd (${MINIFLARE}): a holder that never releases is replaced after the lease time`, async () => {
  const { value, calls, died, waited, leaseMs } = await run("orphan");
  assert.deepEqual({ value, calls, died }, { value: 1, calls: 1, died: "E_LOADER" });
  assert.ok(waited >= leaseMs - 10 && waited < leaseMs + 1000, `taken over after ${waited} ms`);
});
