// buses.durableObject in workerd (Miniflare): the EdgeCacheBus Durable Object carries a
// set and a delete from one cache to another's memory tier when that one polls, each call
// a request of its own, with and without ctx.waitUntil.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { MINIFLARE, startWorker } from "./harness.mjs";

let worker;
before(async () => {
  worker = await startWorker(new URL("./bus_do.worker.mjs", import.meta.url), { kvNamespaces: ["KV"], durableObjects: { BUS: "EdgeCacheBus" } });
});
after(() => worker?.dispose());

/** One request: `op` on cache `cache` at time `t` (ms after the start); its `{ value }`. */
async function call(query) {
  const res = await worker.mf.dispatchFetch(`http://edgecache.test/?${new URLSearchParams(query)}`);
  assert.equal(res.status, 200, await res.clone().text());
  const { value, errors } = await res.json();
  assert.deepEqual(errors, [], "no error event");
  return value;
}

test(`workerd (${MINIFLARE}): a set and a delete reach the other cache's memory when it polls (every pollMs, handed to waitUntil)`, async () => {
  await call({ op: "set", cache: "a", key: "k", value: "v0", t: 0, wait: 1 });
  assert.equal(await call({ op: "get", cache: "b", key: "k", t: 0, wait: 1 }), "v0");
  assert.equal(await call({ op: "get", cache: "b", key: "k", t: 0 }), "v0", "read again: b's first poll delivered a's recent set");
  await call({ op: "set", cache: "a", key: "k", value: "v1", t: 0, wait: 1 });
  assert.equal(await call({ op: "get", cache: "b", key: "k", t: 500, wait: 1 }), "v0", "not due: b has not asked");
  assert.equal(await call({ op: "get", cache: "b", key: "k", t: 1000, wait: 1 }), "v0", "due: this request asks in the background");
  assert.equal(await call({ op: "get", cache: "b", key: "k", t: 1000 }), "v1", "the set arrived: read again from KV");
  await call({ op: "delete", cache: "a", key: "k", t: 1000, wait: 1 });
  assert.equal(await call({ op: "get", cache: "b", key: "k", t: 2000, wait: 1 }), "v1");
  assert.equal(await call({ op: "get", cache: "b", key: "k", t: 2000 }), null, "the delete arrived");
});

test(`workerd (${MINIFLARE}): without waitUntil a poll cut short with its request is asked again; no request hangs`, async () => {
  await call({ op: "set", cache: "a", key: "j", value: "v0", t: 10_000, wait: 1 });
  assert.equal(await call({ op: "get", cache: "b", key: "j", t: 10_000 }), "v0");
  await call({ op: "set", cache: "a", key: "j", value: "v1", t: 10_000, wait: 1 });
  let seen = "v0";
  let requests = 0;
  for (let t = 11_000; seen === "v0" && requests < 40; t += 1000, requests++) {
    seen = await call({ op: "get", cache: "b", key: "j", t });
    if (seen === "v0") await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(seen, "v1", `arrived within ${requests} requests`);
});
