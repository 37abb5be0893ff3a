// One of the multi-worker test's cache workers: each runs in an isolate of its own, with
// per-isolate EdgeCaches made on its first request (module level, no ctx.waitUntil) over the
// KV namespace every worker binds (KV), loaders calling the origin worker (ORIGIN), leases
// from the EdgeCacheLease Durable Object that worker w1 exports (LEASES; the others bind it
// by scriptName). Time is injected: `?t=` (ms) sets the caches' clock (it never goes back).
// `?cmd=` names what a request does; it answers with what it saw as JSON.
import { EdgeCache, coordinators, stores } from "edgecache";
import { cacheCommands } from "../support/isolate_commands.mjs";

export { EdgeCacheLease } from "edgecache";

/** This isolate's id (made on the first request: Workers allow no randomness at import) and its request count. */
let isolate = null;
let requests = 0;
let clock = 0;
const now = () => clock;
/** The caches by namespace: "plain" (no coordinator), "leased" (the Durable Object lease). */
let caches = null;

function cachesOf(env) {
  const options = { store: stores.cloudflareKV(env.KV), ttl: 60_000, memoryTtl: env.MEMORY_TTL, now };
  caches ??= {
    plain: new EdgeCache({ ...options, namespace: "plain" }),
    leased: new EdgeCache({ ...options, namespace: "leased", coordinator: coordinators.durableObject(env.LEASES) }),
  };
  return caches;
}

/** prime, delete, set, invalidate: the commands of the other multi-isolate tests, over the "plain" cache. */
const shared = cacheCommands(() => caches.plain);

const COMMANDS = {
  /** Who answers: the worker's name, its isolate's id and how many requests that isolate has had. */
  whoami: (env) => ({ name: env.NAME, isolate, requests }),
  /** Writes the KV namespace itself (not through a cache). */
  kvPut: (env, { key, value }) => env.KV.put(key, value),
  /** Reads the KV namespace itself. */
  kvGet: (env, { key }) => env.KV.get(key),
  /** getOrSet of a cold key through the `ns` cache; the loader is one call to the origin. */
  load: async (env, { ns, key }) => {
    const loader = async () => (await env.ORIGIN.fetch(`https://origin.test/?cmd=load&key=${encodeURIComponent(`${ns}/${key}`)}`)).json();
    return cachesOf(env)[ns].getOrSet(key, loader);
  },
  /** What the "plain" cache's get reads (undefined is answered as null). */
  get: async (env, { key }) => (await cachesOf(env).plain.get(key)) ?? null,
};

export default {
  async fetch(request, env) {
    isolate ??= crypto.randomUUID();
    requests++;
    const args = Object.fromEntries(new URL(request.url).searchParams);
    clock = Math.max(clock, Number(args.t ?? 0));
    cachesOf(env);
    const answer = COMMANDS[args.cmd]?.(env, args) ?? shared[args.cmd]?.(args);
    if (answer === undefined) return new Response(`unknown cmd ${args.cmd}`, { status: 400 });
    return Response.json((await answer) ?? null);
  },
};
