// A lease in a Durable Object: one object per key, whose single-threaded state grants it.
import { callObject } from "../durable_objects.js";
import { checkOptions, expectMethods } from "../stores/args.js";
import { leaseOption, newToken } from "./check.js";

const ORIGIN = "https://lease.edgecache.invalid";

/**
 * A coordinator over a Durable Object namespace binding (`env.LEASES`) whose class is
 * {@link EdgeCacheLease} (export it from the Worker: `export { EdgeCacheLease } from
 * "edgecache"`, and bind it in wrangler's `durable_objects`). Each lease key is one
 * object (`idFromName(key)`); a lease is one `fetch` to it. Workers KV cannot do this: it
 * has no compare-and-set, and its writes take up to a minute to reach other locations.
 * `leaseMs`: see the Coordinator type.
 * @param {DurableObjectNamespace} namespace
 * @param {{ leaseMs?: number }} [options]
 */
export function durableObject(namespace, options) {
  expectMethods(namespace, ["idFromName", "get"], "coordinators.durableObject(namespace)", "a Durable Object namespace binding (env.LEASES) of the class EdgeCacheLease");
  const { leaseMs } = checkOptions(options, ["leaseMs"], "coordinators.durableObject(namespace, { leaseMs })");
  const call = (key, body) => callObject(namespace, key, ORIGIN, body, "lease object");
  return {
    name: "durable-object",
    ...leaseOption(leaseMs),
    async acquire(key, ms) {
      return (await call(key, { op: "acquire", ms })).token;
    },
    async release(key, token) {
      await call(key, { op: "release", token });
    },
  };
}

/**
 * The Durable Object class behind `coordinators.durableObject`: it holds one key's lease
 * in memory (`{ token, until }` by its own clock). An object evicted while idle forgets a
 * lease; the worst that costs is a second load.
 */
export class EdgeCacheLease {
  #token = null;
  #until = 0;

  /** Answers `{ op: "acquire", ms }` with `{ token }` (null while held) and `{ op: "release", token }` with `{}`. */
  async fetch(request) {
    const body = await request.json();
    const now = Date.now();
    if (body?.op === "acquire" && body.ms > 0) {
      if (this.#token !== null && now < this.#until) return Response.json({ token: null });
      this.#token = newToken();
      this.#until = now + body.ms;
      return Response.json({ token: this.#token });
    }
    if (body?.op === "release" && typeof body.token === "string") {
      if (body.token === this.#token) this.#token = null;
      return Response.json({});
    }
    return new Response('expected { op: "acquire", ms } or { op: "release", token }', { status: 400 });
  }
}
