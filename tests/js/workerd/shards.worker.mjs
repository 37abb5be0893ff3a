// Sharded EdgeCache over three real KV namespaces (env.KV1..KV3) with replicas: 2, inside
// workerd. One namespace is taken down (fault wrapper) in the middle of a read loop, then
// comes back empty; reads must all succeed and read-repair must refill it.
import { EdgeCache, HashRing, stores } from "edgecache";
import { faulty } from "../support/faulty_store.mjs";

const KEYS = 400;

export default {
  async fetch(request, env) {
    const ids = ["kv1", "kv2", "kv3"];
    const raw = { kv1: env.KV1, kv2: env.KV2, kv3: env.KV3 };
    const wrapped = Object.fromEntries(ids.map((id, i) => [id, faulty(stores.cloudflareKV(raw[id]), { seed: i + 1 })]));
    const clock = { t: 0 };
    const cache = new EdgeCache({ store: wrapped, replicas: 2, memory: false, now: () => clock.t, circuitBreaker: { failures: 3, cooldown: 1000 } });
    for (let i = 0; i < KEYS; i += 50) {
      await Promise.all(Array.from({ length: 50 }, (_, j) => cache.set(`item:${i + j}`, { i: i + j })));
    }
    const victim = "kv2";
    let wrong = 0;
    let errors = 0;
    for (let i = 0; i < KEYS; i++) {
      if (i === KEYS / 4) wrapped[victim].down(true);
      try {
        if ((await cache.get(`item:${i}`))?.i !== i) wrong++;
      } catch {
        errors++;
      }
    }
    const whileDown = cache.stats().shards[victim];
    // It comes back empty.
    const ring = new HashRing(ids);
    const primaryOfVictim = [];
    for (let i = 0; i < KEYS; i++) if (ring.node(`ec:k:item:${i}`) === victim) primaryOfVictim.push(i);
    await Promise.all(primaryOfVictim.map((i) => raw[victim].delete(`ec:k:item:${i}`)));
    wrapped[victim].down(false);
    clock.t += 1000;
    for (let i = 0; i < KEYS; i++) if ((await cache.get(`item:${i}`))?.i !== i) wrong++;
    await cache.flush();
    return Response.json({ wrong, errors, whileDown, after: cache.stats().shards[victim], primaryOfVictim });
  },
};
