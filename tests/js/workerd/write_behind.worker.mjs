// A Worker that writes behind: it answers at once and its KV writes finish after the
// response. The batch timer (maxDelay) is far longer than any test, so nothing can go out
// before the response; the Worker reports its own view of the namespace at response time,
// then hands the drain (flush) to ctx.waitUntil.
import { EdgeCache, stores } from "edgecache";

const PREFIX = "ec:k:order:";

export default {
  async fetch(request, env, ctx) {
    const cache = new EdgeCache({
      store: stores.cloudflareKV(env.KV),
      writeMode: "behind",
      writeBehind: { maxDelay: 600_000, maxBatch: 100 },
      waitUntil: (p) => ctx.waitUntil(p),
    });
    const n = Number(new URL(request.url).searchParams.get("n"));
    for (let i = 0; i < n; i++) await cache.set(["order", i], { i });
    const readBack = await cache.get(["order", 0]);
    const { depth, written } = cache.stats().writeBehind;
    const inNamespace = (await env.KV.list({ prefix: PREFIX })).keys.length;
    ctx.waitUntil(cache.flush());
    return Response.json({ accepted: n, readBack, depth, written, inNamespace });
  },
};
