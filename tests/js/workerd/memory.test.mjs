// MemoryCache inside workerd (Miniflare), loaded through the package's "workerd" export.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { memoryCases } from "../cases/memory.mjs";
import { ringCases } from "../cases/ring.mjs";
import { startWorker } from "./harness.mjs";

let worker;
let results;
let userAgent;
before(async () => {
  worker = await startWorker(new URL("./cases.worker.mjs", import.meta.url));
  const res = await worker.mf.dispatchFetch("http://edgecache.test/");
  const body = await res.json();
  userAgent = body.userAgent;
  results = new Map(body.results.map((r) => [r.name, r]));
});
after(() => worker?.dispose());

test("the cases ran inside workerd", () => {
  assert.equal(userAgent, "Cloudflare-Workers");
});

for (const [name] of [...memoryCases, ...ringCases]) {
  test(`workerd: ${name}`, () => {
    const r = results.get(name);
    assert.ok(r, "the worker ran this case");
    assert.ok(r.ok, r.error);
  });
}

test("a named import keeps the package's start-up when bundled", async () => {
  const named = await startWorker(new URL("./named_import.worker.mjs", import.meta.url));
  try {
    const res = await named.mf.dispatchFetch("http://edgecache.test/");
    assert.equal(await res.text(), "v");
  } finally {
    await named.dispose();
  }
});
