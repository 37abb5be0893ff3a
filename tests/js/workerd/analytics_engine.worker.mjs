// A Worker that writes its cache's numbers to Analytics Engine (env.STATS) on each request,
// as a deployed one would, and answers with the data point it wrote.
import { EdgeCache, exporters, stores } from "edgecache";

let cache; // one per isolate: its counters live across requests

export default {
  async fetch(request, env) {
    cache ??= new EdgeCache({ store: stores.cloudflareKV(env.KV), namespace: "shop" });
    const n = Number(new URL(request.url).searchParams.get("reads"));
    for (let i = 0; i < n; i++) await cache.getOrSet(["item", i % 3], () => ({ i }));
    const point = exporters.analyticsEngine(cache, { blobs: [request.cf?.colo ?? "local"] });
    env.STATS.writeDataPoint(point);
    return Response.json(point);
  },
};
