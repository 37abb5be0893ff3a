// Type-checked by `deno check` in `make test`: the public API as a user writes it. The
// `@ts-expect-error` lines must stay errors.
import { buses, coordinators, EdgeCache, EdgeCacheBus, EdgeCacheError, EdgeCacheLease, exporters, HashRing, latencyBounds, MemoryCache, mergeStats, stores } from "../../pkg/index.d.ts";
import type { AnalyticsEngineDataPoint, Bus, CacheEvent, CacheStats, Coordinator, DenoKvBusLike, DurableObjectNamespaceLike, EvictionReason, FlushReport, KVNamespaceLike, KvStore, LoaderContext, NodeRedisLike, MonitorReport, Serializer, StatsSnapshot, StoreOp, WarmReport } from "../../pkg/index.d.ts";
import type { Meter } from "@opentelemetry/api";

const memory = new MemoryCache<{ name: string }>({ maxEntries: 100, ttl: 60_000, policy: "tinylfu" });
memory.set(["user", 1], { name: "Ada" }, { ttl: 1000 });
const user: { name: string } | undefined = memory.get("user:1");
// @ts-expect-error: values are typed
memory.set("k", 42);
const evicted: string[] = [];
new MemoryCache<{ name: string }>({
  maxEntries: 2,
  onEvict: (key, value, reason) => evicted.push(`${key}=${value.name} (${reason})`),
});
// @ts-expect-error: the reason is one of four names
new MemoryCache({ onEvict: (_k, _v, reason: "evicted") => reason });

const custom: KvStore = {
  get: async (_k: string) => null,
  set: async (_k: string, _v: string, _o: { ttl?: number }) => {},
  delete: async (_k: string) => {},
};
const events: CacheEvent[] = [];
const cache = new EdgeCache<{ items: number[] }>({
  store: { a: custom, b: stores.memory() },
  replicas: 2,
  staleWhileRevalidate: 30_000,
  earlyRefresh: { beta: 1 },
  circuitBreaker: { failures: 3 },
  onEvent: (e) => events.push(e),
});
const recs: Promise<{ items: number[] }> = cache.getOrSet(["recs", 1], async () => ({ items: [1] }), { tags: ["user:1"] });
const wrapped = cache.wrap(async (id: number) => ({ items: [id] }), { key: (id) => ["recs", id] });
const viaWrap: Promise<{ items: number[] }> = wrapped(5);
const report: Promise<WarmReport> = cache.warm([
  { key: "a", value: { items: [] } },
  { key: "b", loader: () => ({ items: [2] }), ttl: 5000, staleWhileRevalidate: 1000, staleIfError: 60_000 },
]);
// @ts-expect-error: warm entries take set's options, not forceRefresh
cache.warm([{ key: "c", value: { items: [] }, forceRefresh: true }]);
/** Each member of the union, narrowed on `type`, with its own fields. */
function describeEvent(e: CacheEvent): string {
  switch (e.type) {
    case "hit":
    case "miss": {
      const tier: "memory" | "store" = e.tier;
      return `${e.type} ${e.key} in ${tier}`;
    }
    case "stale":
      return e.reason === "error" ? `stale ${e.key}: the store or loader failed` : `stale ${e.key} from ${e.tier}`;
    case "refresh":
      return `refresh ${e.key}`;
    case "load": {
      const tier: "loader" = e.tier;
      return `load ${e.key} (${tier})`;
    }
    case "error":
      return e.op === undefined ? `error ${e.key ?? e.tag} ${e.reason ?? ""}` : `error on ${e.op} in ${e.tier} ${e.shard ?? ""}`;
    case "timeout": {
      const op: StoreOp = e.op;
      return `timeout of ${op} ${e.key ?? "(batch)"}`;
    }
    case "dead-letter": {
      const attempts: number = e.attempts;
      return `dead letter ${e.op} ${e.key} after ${attempts}`;
    }
    case "evict": {
      const reason: EvictionReason = e.reason;
      const tier: "memory" = e.tier;
      return `evict ${e.key} from ${tier}: ${reason}`;
    }
    case "alert": {
      // @ts-expect-error: an alert names no key
      e.key;
      const state: "firing" | "resolved" = e.state;
      return `${e.rule}${e.tier ? ` (${e.tier})` : ""} ${state}: ${e.value} vs ${e.threshold} over ${e.window} ms`;
    }
    default: {
      const none: never = e;
      return none;
    }
  }
}
// @ts-expect-error: only hit and miss events are narrowed to a read tier
((e: CacheEvent) => e.type === "evict" && e.tier === "store");
// @ts-expect-error: the memory tier reports evictions through onEvent
new EdgeCache({ memory: { maxEntries: 10, onEvict: () => {} } });
const stats: CacheStats = cache.stats();
const p99: number = stats.store.latency.p99;
// @ts-expect-error: unknown option names are errors
new EdgeCache({ tll: 5 });
const dates: Serializer = {
  serialize: (v) => JSON.stringify(v),
  deserialize: (text) => JSON.parse(text, (_k, x) => (typeof x === "string" && /^\d{4}-/.test(x) ? new Date(x) : x)),
};
new EdgeCache({ serializer: dates, memory: { maxBytes: 8 * 1024 * 1024 } });
// @ts-expect-error: serialize must give a string
new EdgeCache({ serializer: { serialize: (v: unknown) => v, deserialize: (t: string) => t } });
// @ts-expect-error: loaders must return the value type
cache.getOrSet("k", () => "not items");

/** getOrSet and wrap take their value type from the loader, or from a type argument. */
interface User { id: number; name: string }
async function inferred(db: { user(id: number): Promise<User> }): Promise<string> {
  const untyped = new EdgeCache({ store: stores.memory() });
  const loaded: User = await untyped.getOrSet(["user", 1], async () => db.user(1));
  const given: Promise<User> = untyped.getOrSet<User>(["user", 2], () => db.user(2));
  const plain: Promise<number> = untyped.getOrSet("n", () => 42);
  // @ts-expect-error: the inferred type is the loader's, not any
  const wrong: Promise<string> = untyped.getOrSet("u", async () => db.user(3));
  // @ts-expect-error: a given type must match the loader's
  untyped.getOrSet<User>("u", async () => ({ id: 1 }));
  const withCtx: Promise<User> = untyped.getOrSet("u", async (ctx: LoaderContext) => {
    const u = await db.user(4);
    if (u.name === "") ctx.skip();
    else ctx.setTtl(5_000);
    return u;
  });
  // @ts-expect-error: setTtl takes milliseconds as a number
  untyped.getOrSet("u", (ctx) => (ctx.setTtl("5s"), 1));
  const byId = untyped.wrap(async (id: number) => db.user(id), { key: (id) => ["user", id] });
  const viaInferred: Promise<User> = byId(5);
  // @ts-expect-error: the wrapped function keeps its parameter types
  byId("5");
  const byIdGiven = untyped.wrap<User>((id: number) => db.user(id), { key: (id) => ["user", id] });
  const viaGiven: Promise<User> = byIdGiven(6);
  return [loaded, await given, await plain, await wrong, await withCtx, await viaInferred, await viaGiven].length.toString();
}

const ring = new HashRing(["10.0.1.1:11211", { id: "10.0.1.2:11211", weight: 2 }], { pointsPerNode: 160 });
const owner: string = ring.node("key");
const owners: string[] = ring.nodes(["user", 1], 2);

async function perRequest(): Promise<number | undefined> {
  // A cache made per request is disposed when the block ends (flushed, then freed).
  await using perRequestCache = new EdgeCache<number>({ store: stores.memory() });
  using scratch = new MemoryCache<number>({ maxEntries: 10 });
  scratch.set("k", 1);
  const flushed: Promise<FlushReport> = new EdgeCache({ store: stores.memory() }).dispose();
  await flushed;
  return perRequestCache.get("k");
}

/** Monitoring: rules, the window, the summary, snapshots merged across isolates. */
function monitored(): string {
  const cache = new EdgeCache({
    stats: { window: 30_000 },
    alerts: { minHitRate: 0.8, maxLatency: { store: 200, percentile: 0.95 }, maxMemoryUsage: 0.9, minSamples: 50 },
  });
  const s: CacheStats = cache.stats();
  const windowed: number | undefined = s.window?.memory.latency.p99;
  const firing: string[] = s.alerts.map((a) => `${a.rule}:${a.tier ?? ""}:${a.value}>${a.threshold}`);
  const summary: MonitorReport = cache.report();
  const snapshots: StatsSnapshot[] = [cache.snapshot(), JSON.parse(JSON.stringify(cache.snapshot()))];
  const merged: number = mergeStats(snapshots).lifetime.hitRate;
  const usage: number = new MemoryCache({ maxEntries: 10 }).usage;
  return `${windowed} ${firing} ${summary.hitRate.overall} ${String(summary)} ${merged} ${usage} ${latencyBounds().length}`;
}

// Monitoring: Prometheus text, an OpenTelemetry Meter of the real API, an Analytics Engine point.
const text: string = cache.metrics();
function observe(meter: Meter, dataset: { writeDataPoint(point: { indexes?: string[]; blobs?: string[]; doubles?: number[] }): void }) {
  const stop: () => void = exporters.openTelemetry(cache, meter);
  const point: AnalyticsEngineDataPoint = exporters.analyticsEngine(cache, { blobs: ["AMS"] });
  dataset.writeDataPoint(point);
  stop();
  // @ts-expect-error: blobs are strings
  exporters.analyticsEngine(cache, { blobs: [1] });
  // @ts-expect-error: a meter is needed
  exporters.openTelemetry(cache);
}

function code(e: unknown): string | undefined {
  return e instanceof EdgeCacheError ? e.code : undefined;
}

ring.dispose();

export { code, describeEvent, monitored, observe, owner, owners, p99, perRequest, recs, report, text, user, viaWrap };

// The loader's context, getMany, setMany, has, clear, KV's cacheTtl.
const skipped: Promise<{ items: number[] }> = cache.getOrSet(["recs", 2], async (ctx) => {
  const items = [2];
  if (items.length === 0) ctx.skip();
  else ctx.setTtl(60_000);
  return { items };
});
// @ts-expect-error: setTtl takes milliseconds as a number
cache.getOrSet("k", (ctx) => (ctx.setTtl("1m"), { items: [] }));
const wrappedWithCtx = cache.wrap(async function (id: number) {
  this.setTtl(1000);
  return { items: [id] };
}, { key: (id) => ["w", id] });
const viaWrapCtx: Promise<{ items: number[] }> = wrappedWithCtx(1);
cache.warm([{ key: "lw", loader: (ctx: LoaderContext) => (ctx.skip(), { items: [] }) }]);
const many: Promise<Array<{ items: number[] } | undefined>> = cache.getMany(["a", ["b", 1]]);
const setMany: Promise<void> = cache.setMany([{ key: "a", value: { items: [] }, ttl: 1000, tags: ["t"] }]);
// @ts-expect-error: setMany entries carry values of the cache's type
cache.setMany([{ key: "a", value: "nope" }]);
const held: Promise<boolean> = cache.has("a");
const cleared: Promise<void> = cache.clear();
declare const kvBinding: KVNamespaceLike;
stores.cloudflareKV(kvBinding, { cacheTtl: 120_000 });
// A Redis Cluster client: commands cut off by a failover are sent again for up to failoverMs.
declare const redisCluster: NodeRedisLike;
stores.redis(redisCluster, { cluster: true, failoverMs: 10_000 });
// @ts-expect-error: failoverMs is a number of ms
stores.redis(redisCluster, { failoverMs: "10s" });
void [skipped, viaWrapCtx, many, setMany, held, cleared];

// Cross-isolate single flight: a coordinator of coordinators.*, or one of the caller's own.
declare const leases: DurableObjectNamespaceLike;
new EdgeCache({ store: stores.memory(), coordinator: coordinators.durableObject(leases, { leaseMs: 10_000 }) });
const ownLease: Coordinator = { acquire: async (_key: string, _ms: number) => null, release: async () => {} };
new EdgeCache({ store: stores.memory(), coordinator: ownLease });
new EdgeCacheLease().fetch(new Request("https://lease.invalid/", { method: "POST", body: "{}" }));
// @ts-expect-error: a KV store is no coordinator (Workers KV has no compare-and-set)
new EdgeCache({ store: stores.memory(), coordinator: stores.memory() });
// A bus: the adapters, and one of your own (pushed or pulled).
const ownBus: Bus = {
  publish: async (_message: string) => {},
  subscribe: (onMessage) => {
    onMessage("ignored");
    return () => {};
  },
};
new EdgeCache({ store: stores.memory(), bus: ownBus });
new EdgeCache({ bus: buses.broadcastChannel("edgecache") });
declare const redisClient: { publish(c: string, m: string): Promise<number>; subscribe(c: string, l: (m: string) => void): Promise<void>; unsubscribe(c: string): Promise<void>; duplicate(): unknown };
new EdgeCache({ bus: buses.redis(redisClient, { channel: "cache", subscriber: redisClient }) });
declare const busKv: DenoKvBusLike;
new EdgeCache({ bus: buses.denoKV(busKv, { prefix: ["app", "bus"], pollMs: 50, expireInMs: 30_000 }) });
// @ts-expect-error: the prefix is an array of key parts
buses.denoKV(busKv, { prefix: "app" });
new EdgeCache({ onEvent: (e) => e.type === "error" && e.tier === "bus" && console.log(e.reason) });
// @ts-expect-error: a bus publishes and subscribes
new EdgeCache({ bus: { publish() {} } });
new EdgeCache({ store: stores.memory(), bus: buses.durableObject(leases, { name: "app", pollMs: 500 }) });
new EdgeCacheBus().fetch(new Request("https://bus.invalid/", { method: "POST", body: "{}" }));
const pulledBus: Bus = { publish: () => {}, poll: async () => ["message"], pollMs: 1000 };
new EdgeCache({ store: stores.memory(), bus: pulledBus });
// @ts-expect-error: a pull bus says how often it is polled
new EdgeCache({ bus: { publish() {}, poll: async () => null } });
