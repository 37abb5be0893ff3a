// A Deno HTTP app with a two-tier cache: this process's memory, then Deno KV (a local
// SQLite file here; on Deno Deploy, the managed KV), then the slow origin (`loadForecast`).
// Routes:
//   GET  /forecast/:city              the forecast, through the cache
//   POST /invalidate?tag=city:paris   every entry written under the tag becomes a miss
//   GET  /stats                       what each tier answered since this process started
import { EdgeCache, stores } from "edgecache";

const kv = await Deno.openKv(Deno.env.get("KV_PATH") ?? "./cache.sqlite3");
const cache = new EdgeCache({ store: stores.denoKV(kv), namespace: "forecasts", ttl: 300_000 });
let loads = 0; // calls of the origin made by this process

/** The origin: a slow upstream API. */
async function loadForecast(city) {
  loads++;
  await new Promise((resolve) => setTimeout(resolve, 50));
  return { city, tomorrow: "sunny", high: 21 };
}

async function handle(request) {
  const url = new URL(request.url);
  const forecast = url.pathname.match(/^\/forecast\/([a-z-]+)$/);
  if (forecast && request.method === "GET") {
    const city = forecast[1];
    return Response.json(await cache.getOrSet(["forecast", city], () => loadForecast(city), { tags: [`city:${city}`] }));
  }
  if (url.pathname === "/invalidate" && request.method === "POST") {
    const tag = url.searchParams.get("tag");
    if (!tag) return new Response("?tag= is required\n", { status: 400 });
    await cache.invalidateTags([tag]);
    return new Response(null, { status: 204 });
  }
  if (url.pathname === "/stats") {
    const { memory, store, loader, hitRate } = cache.stats();
    return Response.json({
      loads,
      hitRate,
      memory: { hits: memory.hits, misses: memory.misses },
      store: { hits: store.hits, misses: store.misses, writes: store.writes },
      loader: { loads: loader.loads },
      report: String(cache.report()),
    });
  }
  return new Response("GET /forecast/:city, POST /invalidate?tag=..., GET /stats\n", { status: 404 });
}

const server = Deno.serve({
  hostname: "127.0.0.1",
  port: Number(Deno.env.get("PORT") ?? 8000),
  onListen: ({ hostname, port }) => console.log(`listening on http://${hostname}:${port}/`),
}, handle);

// On Ctrl-C or SIGTERM: finish the requests, let the cache's store writes land, close KV.
for (const signal of ["SIGINT", "SIGTERM"]) {
  Deno.addSignalListener(signal, async () => {
    await server.shutdown();
    await cache.dispose();
    kv.close();
  });
}
