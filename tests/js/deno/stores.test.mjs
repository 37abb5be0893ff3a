// stores.denoKV against a real Deno KV (Deno.openKv(":memory:")), through the package's
// "deno" export. A recorder around the Kv shows what the adapter asked of it.
import { EdgeCache, EdgeCacheError, stores } from "edgecache";
import { equal, ok } from "../cases/check.mjs";
import { faulty } from "../support/faulty_store.mjs";

/** A real Deno.Kv, with the arguments of every set and getMany call recorded. */
async function recordedKv() {
  const kv = await Deno.openKv(":memory:");
  const sets = [];
  const batches = [];
  return {
    kv,
    sets,
    batches,
    client: {
      get: (key) => kv.get(key),
      set: (key, value, options) => {
        sets.push({ key, value, options });
        return kv.set(key, value, options);
      },
      delete: (key) => kv.delete(key),
      getMany: (keys) => {
        batches.push(keys.length);
        return kv.getMany(keys);
      },
    },
  };
}

async function rejects(promise, pattern) {
  try {
    await promise;
  } catch (e) {
    ok(pattern.test(String(e?.message ?? e)), `unexpected error: ${e}`);
    return e;
  }
  throw new Error(`expected a rejection matching ${pattern}`);
}

Deno.test("get / set / delete under the prefix, values as UTF-8 bytes", async () => {
  const { kv, client } = await recordedKv();
  const s = stores.denoKV(client);
  equal(s.name, "deno-kv");
  equal(s.limits, { maxKeyBytes: 1017, maxValueBytes: 65536, minTtl: 0 });
  equal(s.getMany !== undefined, true);
  equal(await s.get("a"), null);
  await s.set("a", "héllo ✓ 𝄞", {});
  equal(await s.get("a"), "héllo ✓ 𝄞");
  const raw = (await kv.get(["edgecache", "a"])).value;
  ok(raw instanceof Uint8Array, "stored as bytes");
  equal(new TextDecoder().decode(raw), "héllo ✓ 𝄞");
  await kv.set(["edgecache", "by-hand"], "a string");
  equal(await s.get("by-hand"), "a string", "a string put there by hand reads back");
  await kv.set(["edgecache", "foreign"], { not: "ours" });
  const e = await rejects(s.get("foreign"), /value is of type object, not the bytes edgecache writes/);
  ok(e instanceof EdgeCacheError && e.code === "E_STORE");
  await s.delete("a");
  equal(await s.get("a"), null);
  equal((await kv.get(["edgecache", "a"])).value, null);
  kv.close();
});

Deno.test("a custom prefix isolates the keys", async () => {
  const { kv, client } = await recordedKv();
  const one = stores.denoKV(client, { prefix: ["app", 1] });
  const two = stores.denoKV(client, { prefix: ["app", 2] });
  await one.set("k", "one", {});
  await two.set("k", "two", {});
  equal(await one.get("k"), "one");
  equal(await two.get("k"), "two");
  equal(new TextDecoder().decode((await kv.get(["app", 1, "k"])).value), "one");
  kv.close();
});

Deno.test("ttl becomes expireIn in whole ms; no ttl, no expireIn", async () => {
  const { kv, client, sets } = await recordedKv();
  const s = stores.denoKV(client);
  await s.set("t", "v", { ttl: 1500.2 });
  await s.set("n", "v", {});
  equal(sets.map((c) => c.options), [{ expireIn: 1501 }, undefined]);
  equal(sets[0].key, ["edgecache", "t"]);
  equal(await s.get("t"), "v");
  await rejects(s.set("t", "v", { ttl: -1 }), /ttl must be a finite number/);
  kv.close();
});

Deno.test("getMany over 25 keys: kv.getMany in batches of 10, in order, with misses and repeats", async () => {
  const { kv, client, batches } = await recordedKv();
  const s = stores.denoKV(client);
  const keys = Array.from({ length: 25 }, (_, i) => `k${i}`);
  for (const [i, key] of keys.entries()) if (i % 3 !== 0) await s.set(key, `v${i}`, {});
  const values = await s.getMany([...keys, "k1"]);
  equal(values, [...keys.map((_, i) => (i % 3 === 0 ? null : `v${i}`)), "v1"]);
  equal(batches, [10, 10, 6]);
  equal(await s.getMany([]), []);
  kv.close();
});

Deno.test("the limits hold against the real store: longest keys fit, longer ones do not", async () => {
  const { kv, client } = await recordedKv();
  for (const prefix of [undefined, [], ["app", 7, true], [new Uint8Array([0, 1]), 99n]]) {
    const s = stores.denoKV(client, prefix === undefined ? undefined : { prefix });
    const max = s.limits.maxKeyBytes;
    await s.set("\u0000".repeat(max), "nul key", {});
    equal(await s.get("\u0000".repeat(max)), "nul key", `NUL key of ${max} bytes`);
    await s.set("é".repeat(max / 2 | 0), "two-byte key", {});
    await s.set("k".repeat(2 * max), "ascii key", {});
    if (prefix?.length !== 4) {
      // the prefix is counted exactly (the bigint is an upper bound): 2 bytes more must fail
      await rejects(s.set("k".repeat(2 * max + 2), "v", {}), /Key too large/);
    }
  }
  kv.close();
});

Deno.test("values up to 65536 UTF-8 bytes fit whatever the characters; one byte more does not", async () => {
  const { kv, client } = await recordedKv();
  const s = stores.denoKV(client);
  const mixed = "€" + "a".repeat(65536 - 3); // as a JS string Deno would need 2 bytes per character
  await s.set("big", mixed, {});
  equal(await s.get("big"), mixed);
  await rejects(s.set("big", mixed + "a", {}), /Value too large/);
  kv.close();
});

Deno.test("the fault wrapper runs in Deno, over the adapter on a Deno.Kv itself", async () => {
  const kv = await Deno.openKv(":memory:");
  const s = faulty(stores.denoKV(kv), { seed: 3 });
  await s.set("k", "v", {});
  s.failNext(1, "get");
  await rejects(s.get("k"), /injected failure/);
  equal(await s.get("k"), "v");
  equal(s.calls, { get: 2, set: 1, delete: 0, getMany: 0 });
  kv.close();
});

Deno.test("a raw Deno.Kv given as a store is refused with the adapter to use", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let error;
    try {
      new EdgeCache({ store: kv });
    } catch (e) {
      error = e;
    }
    ok(error instanceof EdgeCacheError, `an EdgeCacheError, got ${error}`);
    equal(error.code, "E_CONFIG");
    ok(error.message.includes("stores.denoKV(kv)"), error.message);
  } finally {
    kv.close();
  }
});
