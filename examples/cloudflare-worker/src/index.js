// A Worker with a two-tier cache: the memory of this isolate, then Workers KV, then the
// slow origin (`loadProduct`). Routes:
//   GET  /products/:id           the product, through the cache
//   POST /invalidate?tag=product:1  every entry written under the tag becomes a miss
//   GET  /stats                  what each tier answered so far in this isolate
import { EdgeCache, stores } from "edgecache";

let cache; // one per isolate: its memory tier lives across requests
let loads = 0; // calls of the origin made by this isolate

/** The origin: a slow query (a database, an upstream API). */
async function loadProduct(id) {
  loads++;
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { id, name: `Product ${id}`, price: 10 + Number(id) };
}

export default {
  async fetch(request, env, ctx) {
    cache ??= new EdgeCache({ store: stores.cloudflareKV(env.CACHE), namespace: "products", ttl: 300_000 });
    const url = new URL(request.url);
    const product = url.pathname.match(/^\/products\/(\d+)$/);
    let response;
    if (product && request.method === "GET") {
      const id = product[1];
      const value = await cache.getOrSet(["product", id], () => loadProduct(id), { tags: [`product:${id}`] });
      response = Response.json(value);
    } else if (url.pathname === "/invalidate" && request.method === "POST") {
      const tag = url.searchParams.get("tag");
      if (!tag) return new Response("?tag= is required\n", { status: 400 });
      await cache.invalidateTags([tag]);
      response = new Response(null, { status: 204 });
    } else if (url.pathname === "/stats") {
      const { memory, store, loader, hitRate } = cache.stats();
      response = Response.json({
        loads,
        hitRate,
        memory: { hits: memory.hits, misses: memory.misses },
        store: { hits: store.hits, misses: store.misses, writes: store.writes },
        loader: { loads: loader.loads },
        report: String(cache.report()),
      });
    } else {
      response = new Response("GET /products/:id, POST /invalidate?tag=..., GET /stats\n", { status: 404 });
    }
    // The store writes and background refreshes a request starts outlive its response.
    ctx.waitUntil(cache.flush());
    return response;
  },
};
