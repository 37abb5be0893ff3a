// A Worker that writes behind: it answers at once and its KV writes finish after the
// response, through ctx.waitUntil.
import { EdgeCache, stores } from "edgecache";

export default {
  async fetch(request, env, ctx) {
    const cache = new EdgeCache({
      store: stores.cloudflareKV(env.KV),
      writeMode: "behind",
      writeBehind: { maxDelay: 300, maxBatch: 100 },
      waitUntil: (p) => ctx.waitUntil(p),
    });
    const n = Number(new URL(request.url).searchParams.get("n"));
    for (let i = 0; i < n; i++) await cache.set(["order", i], { i });
    const readBack = await cache.get(["order", 0]);
    return Response.json({ accepted: n, readBack, depth: cache.stats().writeBehind.depth });
  },
};
