// A tiny Worker bundled by plain esbuild (see esbuild.test.mjs): an EdgeCache per isolate
// over Workers KV, answering each request with the value and the tier it came from.
import { EdgeCache, stores } from "edgecache";

let cache;
let loads = 0;
let tiers = []; // the tiers that answered this request
const onEvent = (e) => e.type === "hit" && tiers.push(e.tier);

export default {
  async fetch(request, env) {
    tiers = [];
    cache ??= new EdgeCache({ store: stores.cloudflareKV(env.KV), onEvent });
    // ?fresh reads through a new cache: an isolate that never saw the key, sharing only KV.
    const fresh = new URL(request.url).searchParams.has("fresh");
    const reader = fresh ? new EdgeCache({ store: stores.cloudflareKV(env.KV), onEvent }) : cache;
    const value = await reader.getOrSet("recs:1", () => ({ items: [1, 2, 3], load: ++loads }));
    await reader.flush();
    return Response.json({ value, tiers });
  },
};
