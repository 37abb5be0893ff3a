// One EdgeCache per isolate (module level), as the README recommends, and no
// ctx.waitUntil / flush: whatever a request leaves running is cancelled when it ends. Each
// request reads one key through the cache named by `?kind=` and reports what it got and
// how many loader calls the isolate has made. Time is injected with `?t=` (ms).
import { EdgeCache, stores } from "edgecache";

let clock = 0;
const now = () => clock;
let loads = 0;
const caches = new Map();

const KINDS = {
  plain: (env) => ({ store: stores.cloudflareKV(env.KV) }),
  tags: (env) => ({ store: stores.cloudflareKV(env.KV) }),
  swr: (env) => ({ store: stores.cloudflareKV(env.KV) }),
  behind: (env) => ({ store: stores.cloudflareKV(env.KV), writeMode: "behind", writeBehind: { maxDelay: 5 } }),
  sharded: (env) => ({ store: { a: stores.cloudflareKV(env.KV1), b: stores.cloudflareKV(env.KV2) }, replicas: 2 }),
};

const CALL_OPTIONS = {
  plain: { ttl: 60_000 },
  tags: { ttl: 60_000, tags: ["user:1"] },
  swr: { ttl: 60_000, staleWhileRevalidate: 600_000 },
  behind: { ttl: 60_000, tags: ["user:1"] },
  sharded: { ttl: 60_000, tags: ["user:1"] },
};

function cacheOf(kind, env) {
  let cache = caches.get(kind);
  if (cache === undefined) {
    cache = new EdgeCache({ ...KINDS[kind](env), namespace: kind, now });
    caches.set(kind, cache);
  }
  return cache;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const kind = url.searchParams.get("kind");
    clock = Math.max(clock, Number(url.searchParams.get("t") ?? 0));
    const cache = cacheOf(kind, env);
    const value = await cache.getOrSet(
      ["recs", 1],
      async () => {
        const n = ++loads;
        await new Promise((r) => setTimeout(r, 20)); // a slow query
        return { n };
      },
      CALL_OPTIONS[kind],
    );
    return Response.json({ value, loads });
  },
};
