// coordinators.denoKV: cross-isolate single flight over one real Deno KV (":memory:",
// shared by several caches, each standing for an isolate with its own memory and single
// flight). The lease is an atomic check of the entry's versionstamp; an expired lease that
// Deno KV has not deleted yet is taken over like an absent one.
import { EdgeCache, coordinators, stores } from "edgecache";
import { equal, ok } from "../cases/check.mjs";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `n` caches over one Kv, each with coordinators.denoKV(kv, options). */
function isolates(kv, n, options) {
  return Array.from({ length: n }, () => new EdgeCache({ store: stores.denoKV(kv), namespace: "lease", coordinator: coordinators.denoKV(kv, options) }));
}

Deno.test("six caches over one Deno KV make one loader call for a cold key", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    let calls = 0;
    const loader = async () => {
      calls++;
      await sleep(30);
      return { n: calls };
    };
    const caches = isolates(kv, 6);
    const values = await Promise.all(caches.map((cache) => cache.getOrSet("cold", loader)));
    equal(calls, 1);
    equal(values, Array(6).fill({ n: 1 }));
    await Promise.all(caches.map((cache) => cache.flush()));
    const left = [];
    for await (const entry of kv.list({ prefix: ["edgecache-lease"] })) left.push(entry.key);
    equal(left, [], "the lease was released");
  } finally {
    kv.close();
  }
});

Deno.test("a lease is the holder's until it releases it or it expires; others cannot free it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const c = coordinators.denoKV(kv);
    const token = await c.acquire("k", 60_000);
    ok(typeof token === "string" && token.length > 0);
    equal(await c.acquire("k", 60_000), null, "held");
    await c.release("k", "not-the-token");
    equal(await c.acquire("k", 60_000), null, "still held: only its holder frees it");
    await c.release("k", token);
    ok((await c.acquire("k", 20)) !== null, "free again");
    await sleep(30); // Deno KV may still return the entry: its `until` has passed
    ok((await c.acquire("k", 60_000)) !== null, "an expired lease is taken over");
  } finally {
    kv.close();
  }
});

Deno.test("a holder that never releases: a waiter takes over after the lease time", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const leaseMs = 60;
    const real = coordinators.denoKV(kv, { leaseMs });
    // The holder dies after taking the lease: its loader fails and its release is lost.
    const holder = new EdgeCache({ store: stores.denoKV(kv), namespace: "lease", coordinator: { leaseMs, acquire: real.acquire, release: async () => {} } });
    const [waiter] = isolates(kv, 1, { leaseMs });
    const t0 = performance.now();
    const died = holder.getOrSet("k", () => Promise.reject(new Error("holder crashed"))).catch((e) => e);
    await sleep(5);
    let calls = 0;
    equal(await waiter.getOrSet("k", () => ++calls), 1);
    const waited = performance.now() - t0;
    equal((await died).code, "E_LOADER");
    equal(calls, 1);
    ok(waited >= leaseMs - 10, `the waiter left the lease alone until it expired (took over after ${Math.round(waited)} ms)`);
    ok(waited < leaseMs + 500, `and took over soon after (${Math.round(waited)} ms)`);
    await Promise.all([holder.flush(), waiter.flush()]);
  } finally {
    kv.close();
  }
});

Deno.test("a Deno KV that fails under the lease: the cache loads on its own and reports it", async () => {
  const kv = await Deno.openKv(":memory:");
  try {
    const broken = { get: () => Promise.reject(new Error("kv gone")), atomic: () => kv.atomic() };
    const errors = [];
    const cache = new EdgeCache({ store: stores.denoKV(kv), coordinator: coordinators.denoKV(broken), onEvent: (e) => e.type === "error" && errors.push(e) });
    equal(await cache.getOrSet("k", () => "v"), "v");
    equal(errors.map((e) => [e.tier, e.op]), [["coordinator", "acquire"]]);
    await cache.flush();
  } finally {
    kv.close();
  }
});
