// A Worker that runs the runtime-neutral cases, and the real-store cases over its KV
// namespace binding (env.KV) and the Cache API, inside workerd; it reports each result.
import * as lib from "edgecache";
import { neutralCases } from "../cases/all.mjs";
import { storeCases } from "../cases/edge_store.mjs";

/** A `real` store factory (see cases/edge_store.mjs) over one platform store. */
function realStore(make) {
  const real = () => make();
  real.raw = make();
  real.limits = real.raw.limits;
  return real;
}

export default {
  async fetch(request, env) {
    const kv = realStore(() => lib.stores.cloudflareKV(env.KV));
    const cache = realStore(() => lib.stores.cacheApi(caches.default));
    const runs = [
      ...neutralCases.map(([name, fn]) => [name, () => fn(lib)]),
      ...storeCases.map(([name, fn]) => [`Workers KV: ${name}`, () => fn(lib, kv)]),
      ...storeCases.map(([name, fn]) => [`Cache API: ${name}`, () => fn(lib, cache)]),
    ];
    const results = [];
    for (const [name, run] of runs) {
      try {
        await run();
        results.push({ name, ok: true });
      } catch (e) {
        results.push({ name, ok: false, error: String(e?.stack ?? e) });
      }
    }
    return Response.json({ userAgent: navigator.userAgent, results });
  },
};
