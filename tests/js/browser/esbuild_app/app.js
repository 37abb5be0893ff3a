// A tiny browser app bundled by plain esbuild (see esbuild.test.mjs): the memory tier on
// its own, and an EdgeCache over the browser's Cache API that answers from each tier.
import { EdgeCache, MemoryCache, stores } from "edgecache";

const memory = new MemoryCache({ maxEntries: 10 });
memory.set(["user", 1], { name: "Ada" });

let loads = 0;
const tiers = [];
/** An EdgeCache over the page's Cache API (a second one shares only the store). */
const tiered = async () =>
  new EdgeCache({ store: stores.cacheApi(await caches.open("esbuild-app")), onEvent: (e) => e.type === "hit" && tiers.push(e.tier) });
const load = () => ({ items: [1, 2, 3], load: ++loads });
const cache = await tiered();
const first = await cache.getOrSet("recs:1", load);
const second = await cache.getOrSet("recs:1", load);
const fromStore = await (await tiered()).get("recs:1");

window.appResult = { user: memory.get("user:1"), first, second, fromStore, loads, tiers };
