// A Worker exposing the cloudflareKV and cacheApi adapters over a real KV namespace binding
// (env.KV) and caches.default, so the Node side can drive them and then look at what landed.
// POST {"store": "kv" | "cache", "op": "get" | "set" | "delete" | "getMany", "args": [...]}
// answers {"result"} or {"error": {code, message}}; GET /describe answers the adapters'
// shapes, the errors of bad constructions and a run of the fault wrapper over KV.
import { EdgeCacheError, stores } from "edgecache";
import { faulty } from "../support/faulty_store.mjs";

/** The options each read of the real binding was given through `kvCached` (GET /reads). */
const reads = [];

/** `env.KV`, recording the options of its reads. */
function recording(kv) {
  return {
    get: (key, options) => {
      reads.push(options);
      return kv.get(key, options);
    },
    put: (...args) => kv.put(...args),
    delete: (key) => kv.delete(key),
  };
}

export default {
  async fetch(request, env) {
    const adapters = {
      kv: stores.cloudflareKV(env.KV),
      kvCached: stores.cloudflareKV(recording(env.KV), { cacheTtl: 90_500 }),
      cache: stores.cacheApi(caches.default),
    };
    if (new URL(request.url).pathname === "/reads") return Response.json(reads.splice(0));
    if (request.method === "GET") return Response.json({ ...describe(adapters, env), faulty: await faultyRun(adapters.kv) });
    const { store, op, args } = await request.json();
    try {
      const result = await adapters[store][op](...args);
      return Response.json({ result: result ?? null });
    } catch (e) {
      return Response.json({ error: { code: e.code ?? null, message: String(e.message ?? e), edgecache: e instanceof EdgeCacheError } });
    }
  },
};

function describe(adapters, env) {
  const shape = (s) => ({ name: s.name, limits: s.limits, getMany: typeof s.getMany === "function" });
  const error = (fn) => {
    try {
      fn();
      return null;
    } catch (e) {
      return { code: e.code, message: e.message, edgecache: e instanceof EdgeCacheError };
    }
  };
  return {
    userAgent: navigator.userAgent,
    kv: shape(adapters.kv),
    cache: shape(adapters.cache),
    errors: {
      missingBinding: error(() => stores.cloudflareKV(env.MISSING)),
      shortCacheTtl: error(() => stores.cloudflareKV(env.KV, { cacheTtl: 59_999 })),
      cacheStorage: error(() => stores.cacheApi(caches)),
    },
  };
}

/** The fault wrapper inside workerd: one injected failure, then the real KV answers. */
async function faultyRun(kv) {
  const s = faulty(kv, { seed: 5 });
  await s.set("faulty:k", "v", {});
  s.failNext(1, "get");
  const rejected = await s.get("faulty:k").then(() => null, (e) => e.message);
  return { rejected, value: await s.get("faulty:k"), calls: s.calls };
}
