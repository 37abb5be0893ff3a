// coordinators.durableObject in workerd: several caches (each standing for an isolate, with
// its own memory and single flight) over one Workers KV namespace, their leases granted by
// the EdgeCacheLease Durable Object bound as LEASES. `?case=` names what a request runs;
// it answers with what it saw as JSON.
import { EdgeCache, coordinators, stores } from "edgecache";

export { EdgeCacheLease } from "edgecache";

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const CASES = {
  /** Six caches miss one cold key at once. */
  async race(env) {
    let calls = 0;
    const loader = async () => {
      calls++;
      await sleep(30);
      return { n: calls };
    };
    const caches = Array.from({ length: 6 }, () => new EdgeCache({ store: stores.cloudflareKV(env.KV), namespace: "race", coordinator: coordinators.durableObject(env.LEASES) }));
    const values = await Promise.all(caches.map((cache) => cache.getOrSet("cold", loader)));
    await Promise.all(caches.map((cache) => cache.flush()));
    return { calls, values };
  },
  /** The lease object's own rules: one holder, freed only by its token, taken over once expired. */
  async lease(env) {
    const c = coordinators.durableObject(env.LEASES);
    const token = await c.acquire("k", 60_000);
    const whileHeld = await c.acquire("k", 60_000);
    await c.release("k", "not-the-token");
    const afterWrongRelease = await c.acquire("k", 60_000);
    await c.release("k", token);
    const afterRelease = await c.acquire("k", 20);
    await sleep(30);
    const afterExpiry = await c.acquire("k", 60_000);
    return { token: typeof token, whileHeld, afterWrongRelease, afterRelease: typeof afterRelease, afterExpiry: typeof afterExpiry };
  },
  /** A holder that takes the lease and dies without releasing it: a waiter takes over once it expires. */
  async orphan(env) {
    const leaseMs = 60;
    const real = coordinators.durableObject(env.LEASES, { leaseMs });
    const options = { store: stores.cloudflareKV(env.KV), namespace: "orphan" };
    const holder = new EdgeCache({ ...options, coordinator: { leaseMs, acquire: real.acquire, release: async () => {} } });
    const waiter = new EdgeCache({ ...options, coordinator: real });
    const t0 = Date.now();
    const died = holder.getOrSet("k", () => Promise.reject(new Error("holder crashed"))).catch((e) => e.code);
    await sleep(5);
    let calls = 0;
    const value = await waiter.getOrSet("k", () => ++calls);
    const waited = Date.now() - t0;
    await Promise.all([holder.flush(), waiter.flush()]);
    return { value, calls, died: await died, waited, leaseMs };
  },
};

export default {
  async fetch(request, env) {
    const name = new URL(request.url).searchParams.get("case");
    return Response.json(await CASES[name](env));
  },
};
