// One of the multi-worker test's cache workers: each runs in an isolate of its own, with
// per-isolate EdgeCaches made on its first request (module level, no ctx.waitUntil) over the
// KV namespace every worker binds (KV), loaders calling the origin worker (ORIGIN), leases
// from the EdgeCacheLease Durable Object that worker w1 exports (LEASES; the others bind it
// by scriptName). The "pulled" cache has buses.durableObject (the EdgeCacheBus Durable
// Object, also from w1), which the cache polls in the background of a call when due. Time is
// injected: `?t=` (ms) sets the caches' clock (it never goes back). `?cmd=` names what a
// request does (`?ns=` the cache of the shared commands, default "plain"); it answers with
// what it saw as JSON. Each worker gets one request at a time in the test.
import { EdgeCache, buses, coordinators, stores } from "edgecache";
import { cacheCommands } from "../support/isolate_commands.mjs";

export { EdgeCacheBus, EdgeCacheLease } from "edgecache";

/** This isolate's id (made on the first request: Workers allow no randomness at import) and its request count. */
let isolate = null;
let requests = 0;
let clock = 0;
const now = () => clock;
/**
 * The caches by namespace: "plain" (no coordinator), "leased" (the Durable Object lease),
 * "pulled" (buses.durableObject).
 */
let caches = null;
/** How long each poll took (ms) */
const pullMs = [];
/** The namespace of the cache the shared commands run on in the current request */
let current = "plain";

function cachesOf(env) {
  const options = { store: stores.cloudflareKV(env.KV), ttl: 60_000, memoryTtl: env.MEMORY_TTL, now };
  caches ??= {
    plain: new EdgeCache({ ...options, namespace: "plain" }),
    leased: new EdgeCache({ ...options, namespace: "leased", coordinator: coordinators.durableObject(env.LEASES) }),
    pulled: new EdgeCache({ ...options, namespace: "pulled", bus: timed(buses.durableObject(env.BUS, { pollMs: env.PULL_EVERY })) }),
  };
  return caches;
}

/** `bus` with each poll's round trip put in pullMs (Date.now moves on with I/O in workerd). */
function timed(bus) {
  return {
    pollMs: bus.pollMs,
    publish: (message) => bus.publish(message),
    async poll() {
      const t0 = Date.now();
      const messages = await bus.poll();
      pullMs.push(Date.now() - t0);
      return messages;
    },
  };
}

/** prime, delete, set, invalidate: the commands of the other multi-isolate tests, over the `ns` cache. */
const shared = cacheCommands(() => caches[current]);

const COMMANDS = {
  /** Who answers: the worker's name, its isolate's id and how many requests that isolate has had. */
  whoami: (env) => ({ name: env.NAME, isolate, requests }),
  /** How long this isolate's polls took (ms), and forgets them. */
  pullTimes: () => pullMs.splice(0),
  /** Writes the KV namespace itself (not through a cache). */
  kvPut: (env, { key, value }) => env.KV.put(key, value),
  /** Reads the KV namespace itself. */
  kvGet: (env, { key }) => env.KV.get(key),
  /** getOrSet of a cold key through the `ns` cache; the loader is one call to the origin. */
  load: async (env, { ns, key }) => {
    const loader = async () => (await env.ORIGIN.fetch(`https://origin.test/?cmd=load&key=${encodeURIComponent(`${ns}/${key}`)}`)).json();
    return cachesOf(env)[ns].getOrSet(key, loader);
  },
  /** What the `ns` cache's get reads (undefined is answered as null). */
  get: async (env, { key }) => (await caches[current].get(key)) ?? null,
};

export default {
  async fetch(request, env) {
    isolate ??= crypto.randomUUID();
    requests++;
    const args = Object.fromEntries(new URL(request.url).searchParams);
    clock = Math.max(clock, Number(args.t ?? 0));
    cachesOf(env);
    current = args.ns ?? "plain";
    const answer = COMMANDS[args.cmd]?.(env, args) ?? shared[args.cmd]?.(args);
    if (answer === undefined) return new Response(`unknown cmd ${args.cmd}`, { status: 400 });
    const value = (await answer) ?? null;
    // The bus's publish and poll are done before the answer, so the test knows when they
    // are (a Worker would hand it to ctx.waitUntil(cache.flush())).
    if (current === "pulled") await caches.pulled.flush();
    return Response.json(value);
  },
};
