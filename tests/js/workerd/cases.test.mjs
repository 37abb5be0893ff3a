// The package inside workerd (Miniflare), loaded through its "workerd" export: the
// runtime-neutral cases, and EdgeCache over a real KV namespace and the Cache API.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { neutralCases } from "../cases/all.mjs";
import { storeCases } from "../cases/edge_store.mjs";
import { MINIFLARE, startWorker } from "./harness.mjs";

let worker;
let results;
let userAgent;
before(async () => {
  worker = await startWorker(new URL("./cases.worker.mjs", import.meta.url), { kvNamespaces: ["KV"] });
  const res = await worker.mf.dispatchFetch("http://edgecache.test/");
  const body = await res.json();
  userAgent = body.userAgent;
  results = new Map(body.results.map((r) => [r.name, r]));
});
after(() => worker?.dispose());

test(`the cases ran inside workerd (${MINIFLARE})`, () => {
  assert.equal(userAgent, "Cloudflare-Workers");
});

const names = [
  ...neutralCases.map(([name]) => name),
  ...storeCases.map(([name]) => `Workers KV: ${name}`),
  ...storeCases.map(([name]) => `Cache API: ${name}`),
];
for (const name of names) {
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
