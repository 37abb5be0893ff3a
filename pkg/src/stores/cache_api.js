// The Cache API (`caches.default` in Workers, `await caches.open(name)` elsewhere).
import { describe, fail, typeName } from "../errors.js";
import { checkOptions, expectMethods } from "./args.js";
import { ttlSeconds } from "./ttl.js";

const WHERE = "stores.cacheApi(cache, { baseUrl })";
/**
 * A key becomes part of a URL, up to 3 bytes per key byte once encoded: 2 KiB keys keep the
 * URL far below Cloudflare's 16 KB limit. Values as on Workers KV; the Cache API takes more.
 */
const LIMITS = Object.freeze({ maxKeyBytes: 2048, maxValueBytes: 25 * 1024 * 1024, minTtl: 0 });
/** max-age of an entry set without a TTL: a year (a response without one is not cached). */
const NO_TTL_S = 365 * 24 * 3600;

/**
 * A store over a Cache API cache. Key `k` is cached at the synthetic URL
 * `baseUrl + encodeURIComponent(k)` as a text response with `Cache-Control: max-age=<ttl
 * in whole seconds, rounded up>` (a year when no TTL is given). The Cache API is a
 * best-effort cache, not storage: in Workers it is per data center (each colo has its own
 * copy, nothing is replicated) and may drop an entry at any time, and on *.workers.dev
 * hostnames it stores nothing. Use it as a cheap local tier, not as the only copy.
 * @param {Cache} cache
 * @param {{ baseUrl?: string }} [options] an absolute http(s) URL ending in "/"
 */
export function cacheApi(cache, options) {
  expectMethods(cache, ["match", "put", "delete"], "stores.cacheApi(cache)", "a Cache (caches.default, or await caches.open(name))");
  const { baseUrl = "https://edgecache.invalid/" } = checkOptions(options, ["baseUrl"], WHERE);
  checkBaseUrl(baseUrl);
  const at = (key) => baseUrl + encodeURIComponent(key);
  return {
    name: "cache-api",
    limits: LIMITS,
    async get(key) {
      const res = await cache.match(at(key));
      return res === undefined ? null : res.text();
    },
    async set(key, value, opts) {
      const headers = {
        "Cache-Control": `max-age=${ttlSeconds(opts) ?? NO_TTL_S}`,
        "Content-Type": "text/plain;charset=utf-8",
      };
      await cache.put(at(key), new Response(value, { headers }));
    },
    async delete(key) {
      await cache.delete(at(key));
    },
  };
}

function checkBaseUrl(baseUrl) {
  let url;
  try {
    url = new URL(baseUrl);
  } catch {
    // reported below
  }
  const ok = url !== undefined && (url.protocol === "https:" || url.protocol === "http:") &&
    !url.search && !url.hash && baseUrl.endsWith("/");
  if (!ok) {
    fail("E_CONFIG", `${WHERE}: baseUrl must be an absolute http(s) URL ending in "/" without query or fragment, such as "https://cache.example.com/edgecache/", got ${typeName(baseUrl)} ${describe(baseUrl)}`);
  }
}
