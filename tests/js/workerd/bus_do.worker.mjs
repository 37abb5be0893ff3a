// buses.durableObject in workerd: two caches per isolate (module scope, as a Worker keeps
// them), standing for two isolates, over one Workers KV namespace, their messages carried
// by the EdgeCacheBus Durable Object bound as BUS. Each request runs one call, on the
// clock the test sets (`t`); `wait=1` hands `flush()` to ctx.waitUntil, as a Worker does.
import { EdgeCache, buses, stores } from "edgecache";

export { EdgeCacheBus } from "edgecache";

const clock = { t: 1_000_000 };
let caches = null;
/** The caches' `error` events, as `tier reason: message` */
const errors = [];

function cachesOf(env) {
  caches ??= Object.fromEntries(["a", "b"].map((name) => [name, new EdgeCache({
    store: stores.cloudflareKV(env.KV),
    namespace: "bus",
    now: () => clock.t,
    ttl: 600_000,
    memoryTtl: 300_000,
    bus: buses.durableObject(env.BUS, { pollMs: 1000 }),
    onEvent: (e) => e.type === "error" && errors.push(`${name} ${e.tier} ${e.reason ?? e.op}: ${e.error?.message}`),
  })]));
  return caches;
}

export default {
  async fetch(request, env, ctx) {
    const q = new URL(request.url).searchParams;
    clock.t = 1_000_000 + Number(q.get("t") ?? 0);
    const cache = cachesOf(env)[q.get("cache")];
    const key = q.get("key");
    let value;
    if (q.get("op") === "set") await cache.set(key, q.get("value"));
    else if (q.get("op") === "delete") await cache.delete(key);
    else value = (await cache.get(key)) ?? null;
    if (q.get("wait") === "1") ctx.waitUntil(cache.flush());
    return Response.json({ value, errors });
  },
};
