// The Workers adapters inside workerd (Miniflare): cloudflareKV over a real KV namespace
// binding and cacheApi over caches.default. The worker drives the adapters; this side
// checks what landed through Miniflare's own view of the namespace and the cache.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { startWorker } from "./harness.mjs";

let worker;
let kv;
let cache;
let described;
before(async () => {
  worker = await startWorker(new URL("./stores.worker.mjs", import.meta.url), { kvNamespaces: ["KV"] });
  kv = await worker.mf.getKVNamespace("KV");
  cache = (await worker.mf.getCaches()).default;
  described = await (await worker.mf.dispatchFetch("http://edgecache.test/describe")).json();
});
after(() => worker?.dispose());

/** Runs `store.op(...args)` inside the worker; the result, or throws the worker-side error. */
async function call(store, op, ...args) {
  const res = await worker.mf.dispatchFetch("http://edgecache.test/", {
    method: "POST",
    body: JSON.stringify({ store, op, args }),
  });
  const body = await res.json();
  if (body.error) throw Object.assign(new Error(body.error.message), body.error);
  return body.result;
}

async function listed(name) {
  const { keys } = await kv.list({ prefix: name });
  return keys.find((k) => k.name === name);
}

test("the adapters ran inside workerd and describe themselves", () => {
  assert.equal(described.userAgent, "Cloudflare-Workers");
  assert.deepEqual(described.kv, {
    name: "cloudflare-kv",
    limits: { maxKeyBytes: 512, maxValueBytes: 25 * 1024 * 1024, minTtl: 60_000 },
    getMany: true,
  });
  assert.equal(described.cache.name, "cache-api");
  assert.equal(described.cache.getMany, false);
  assert.equal(described.cache.limits.minTtl, 0);
});

test("cloudflareKV and cacheApi refuse what is not a binding / a Cache, with E_CONFIG", () => {
  const { missingBinding, cacheStorage } = described.errors;
  assert.equal(missingBinding.code, "E_CONFIG");
  assert.ok(missingBinding.edgecache);
  assert.match(missingBinding.message, /^stores\.cloudflareKV\(namespace\): expected a Workers KV namespace binding .*get\/put\/delete, got undefined$/);
  assert.equal(cacheStorage.code, "E_CONFIG");
  assert.match(cacheStorage.message, /^stores\.cacheApi\(cache\): expected a Cache .*got an object without put$/);
});

test("the fault wrapper runs inside workerd over the real KV binding", () => {
  assert.deepEqual(described.faulty, {
    rejected: "faulty store: injected failure (get #1)",
    value: "v",
    calls: { get: 2, set: 1, delete: 0, getMany: 0 },
  });
});

test("cloudflareKV: set lands in the namespace; get reads it back; delete removes it", async () => {
  await call("kv", "set", "user:1", "héllo ✓ 𝄞", {});
  assert.equal(await kv.get("user:1"), "héllo ✓ 𝄞");
  assert.equal((await listed("user:1")).expiration, undefined, "no TTL, no expiration");
  assert.equal(await call("kv", "get", "user:1"), "héllo ✓ 𝄞");
  await kv.put("from-node", "written outside the worker");
  assert.equal(await call("kv", "get", "from-node"), "written outside the worker");
  await call("kv", "delete", "user:1");
  assert.equal(await kv.get("user:1"), null);
  assert.equal(await call("kv", "get", "user:1"), null);
  await call("kv", "delete", "never-there");
});

test("cloudflareKV: TTLs become expirationTtl in whole seconds, rounded up, at least 60", async () => {
  for (const [key, ttl, seconds] of [["t:short", 1, 60], ["t:60", 60_000, 60], ["t:90.5", 90_500, 91], ["t:day", 86_400_000, 86_400]]) {
    const before = Date.now() / 1000;
    await call("kv", "set", key, "v", { ttl });
    const after = Date.now() / 1000;
    const { expiration } = await listed(key);
    assert.ok(expiration >= Math.floor(before) + seconds && expiration <= Math.ceil(after) + seconds,
      `${key}: expiration ${expiration} should be ${seconds} s after ${before}..${after}`);
  }
});

test("cloudflareKV with cacheTtl: every read (get, bulk get) passes it to KV in whole seconds and reads the real records", async () => {
  await kv.put("cached:a", "A");
  await kv.put("cached:b", "B");
  await worker.mf.dispatchFetch("http://edgecache.test/reads"); // forget reads so far
  assert.equal(await call("kvCached", "get", "cached:a"), "A");
  assert.deepEqual(await call("kvCached", "getMany", ["cached:a", "cached:none", "cached:b"]), ["A", null, "B"]);
  const seen = await (await worker.mf.dispatchFetch("http://edgecache.test/reads")).json();
  assert.deepEqual(seen, [{ type: "text", cacheTtl: 91 }, { type: "text", cacheTtl: 91 }]);
});

test("cloudflareKV: a cacheTtl under Workers KV's 60 s minimum is refused with E_CONFIG", () => {
  const { shortCacheTtl } = described.errors;
  assert.equal(shortCacheTtl.code, "E_CONFIG");
  assert.match(shortCacheTtl.message, /cacheTtl must be a number of ms of at least 60000/);
});

test("cloudflareKV: a bad ttl is refused with E_ARGUMENT before reaching KV", async () => {
  await assert.rejects(call("kv", "set", "t:bad", "v", { ttl: 0 }), { code: "E_ARGUMENT" });
  assert.equal(await kv.get("t:bad"), null);
});

test("cloudflareKV: getMany reads 250 keys in bulk batches of 100, in order, with misses and repeats", async () => {
  const keys = [];
  for (let i = 0; i < 250; i++) {
    keys.push(`many:${i}`);
    if (i % 3 !== 0) await kv.put(`many:${i}`, `value ${i}`);
  }
  keys.push("many:1", "many:0");
  const values = await call("kv", "getMany", keys);
  assert.equal(values.length, keys.length);
  keys.forEach((key, i) => {
    const n = Number(key.split(":")[1]);
    assert.equal(values[i], n % 3 === 0 ? null : `value ${n}`, key);
  });
  assert.deepEqual(await call("kv", "getMany", []), []);
});

test("cloudflareKV: getMany still reads records whose total is over KV's 25 MB bulk limit", async () => {
  const big = (c) => c.repeat(13 * 1024 * 1024);
  await kv.put("bulk:a", big("a"));
  await kv.put("bulk:b", big("b"));
  const values = await call("kv", "getMany", ["bulk:a", "bulk:none", "bulk:b"]);
  assert.deepEqual(values.map((v) => (v === null ? null : [v.length, v[0]])), [[13 * 1024 * 1024, "a"], null, [13 * 1024 * 1024, "b"]]);
});

test("cloudflareKV: the platform's own refusals reach the caller as errors", async () => {
  await assert.rejects(call("kv", "set", "k".repeat(513), "v", {}), /513/);
  await assert.rejects(call("kv", "get", "."), /not allowed as a key name/);
});

test("cacheApi: set caches a text response at the synthetic URL with max-age in seconds", async () => {
  await call("cache", "set", "page:1", "cached ✓", { ttl: 1500 });
  const res = await cache.match("https://edgecache.invalid/page%3A1");
  assert.ok(res, "the response is in caches.default");
  assert.equal(res.headers.get("cache-control"), "max-age=2");
  assert.equal(res.headers.get("content-type"), "text/plain;charset=utf-8");
  assert.equal(await res.text(), "cached ✓");
  assert.equal(await call("cache", "get", "page:1"), "cached ✓");
});

test("cacheApi: keys are URL-encoded, so any string is its own entry", async () => {
  const key = "a b/c?d#e%f:é";
  await call("cache", "set", key, "odd key", { ttl: 60_000 });
  const res = await cache.match(`https://edgecache.invalid/${encodeURIComponent(key)}`);
  assert.equal(await res?.text(), "odd key");
  assert.equal(await call("cache", "get", "a b/c"), null);
  assert.equal(await call("cache", "get", key), "odd key");
});

test("cacheApi: without a TTL an entry gets a year; delete removes it; a miss is null", async () => {
  await call("cache", "set", "forever", "v", {});
  const res = await cache.match("https://edgecache.invalid/forever");
  assert.equal(res.headers.get("cache-control"), "max-age=31536000");
  await res.arrayBuffer();
  await call("cache", "delete", "forever");
  assert.equal(await cache.match("https://edgecache.invalid/forever"), undefined);
  assert.equal(await call("cache", "get", "forever"), null);
  await call("cache", "delete", "forever");
});
