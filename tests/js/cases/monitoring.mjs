// metrics() and the exporters over a real EdgeCache, as runtime-neutral cases [name, fn(lib)].
// (Exact formats against full snapshots, promtool and the OpenTelemetry SDK: tests/js/node/metrics.test.mjs.)
import { equal, ok, throwsCode } from "./check.mjs";
import { faulty } from "../support/faulty_store.mjs";

/**
 * A sharded write-behind cache ("shop") over two in-process stores, `b` failing three
 * reads, after traffic: memory hits and capacity evictions, store hits and misses, loads,
 * a failed load, shard read errors, and one write still queued (batches wait a minute of
 * the cache's clock, which only the case moves).
 */
export async function busyCache(lib) {
  const clock = { t: 1_000_000 };
  const now = () => clock.t;
  const b = faulty(lib.stores.memory({ now }), { seed: 3 });
  const cache = new lib.EdgeCache({ store: { a: lib.stores.memory({ now }), b }, writeMode: "behind", writeBehind: { maxDelay: 60_000 }, namespace: "shop", now, memory: { maxEntries: 8, policy: "lru" } }); // LRU: which reads reach shard b is known
  for (let i = 0; i < 30; i++) await cache.getOrSet(["item", i % 12], () => ({ i }));
  await cache.flush();
  b.failNext(3, "get");
  for (let i = 0; i < 12; i++) await cache.get(["item", i]);
  try {
    await cache.getOrSet("broken", () => {
      throw new Error("origin down");
    });
  } catch {
    // counted as a load error
  }
  await cache.flush();
  await cache.set("late", 1);
  clock.t += 1500; // the queued write is 1.5 s old
  return cache;
}

/**
 * Prometheus text as its samples `{ name, labels, value }`, and `types`: family name → TYPE.
 * Label values are unescaped; "+Inf" is Infinity.
 */
export function parseMetrics(text) {
  const samples = [];
  const types = new Map();
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type !== null) types.set(type[1], type[2]);
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{(.*)\} (\S+)$/.exec(line);
    ok(m !== null, `a sample line: ${line}`);
    const labels = {};
    for (const [, name, value] of m[2].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[name] = value.replace(/\\(.)/g, (_, c) => (c === "n" ? "\n" : c));
    }
    samples.push({ name: m[1], labels, value: m[3] === "+Inf" ? Infinity : Number(m[3]) });
  }
  return { samples, types };
}

/** The value of the one sample of `name` whose labels are exactly `labels`. */
export function sampleValue(samples, name, labels) {
  const same = (a, b) => Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => b[k] === v);
  const found = samples.filter((s) => s.name === name && same(s.labels, labels));
  equal(found.length, 1, `samples of ${name}${JSON.stringify(labels)}`);
  return found[0].value;
}

/** What metrics() should say for a stats() snapshot (the parts a real cache has today). */
function expectedSamples(stats, namespace) {
  const at = (labels) => ({ namespace, ...labels });
  const out = [];
  for (const tier of ["memory", "store"]) {
    out.push(["edgecache_reads_total", at({ tier, result: "hit" }), stats[tier].hits]);
    out.push(["edgecache_reads_total", at({ tier, result: "stale" }), stats[tier].staleServed]);
    out.push(["edgecache_reads_total", at({ tier, result: "miss" }), stats[tier].misses]);
  }
  out.push(
    ["edgecache_memory_backfills_total", at({}), stats.memory.backfills],
    ["edgecache_store_errors_total", at({ reason: "error" }), stats.store.errors],
    ["edgecache_store_errors_total", at({ reason: "timeout" }), stats.store.timeouts],
    ["edgecache_store_errors_total", at({ reason: "corrupt" }), stats.store.corrupt],
    ["edgecache_store_writes_total", at({}), stats.store.writes],
    ["edgecache_store_write_errors_total", at({}), stats.store.writeErrors],
    ["edgecache_loads_total", at({}), stats.loader.loads],
    ["edgecache_load_errors_total", at({}), stats.loader.errors],
    ["edgecache_refreshes_total", at({}), stats.loader.refreshes],
    ["edgecache_stale_if_error_total", at({}), stats.loader.staleIfError],
    ["edgecache_loads_in_flight", at({}), stats.loader.inFlight],
  );
  if (stats.memory.tier !== undefined) {
    for (const [reason, n] of Object.entries(stats.memory.tier.evictionsByReason)) out.push(["edgecache_memory_evictions_total", at({ reason }), n]);
    out.push(
      ["edgecache_memory_rejected_total", at({}), stats.memory.tier.rejected],
      ["edgecache_memory_entries", at({}), stats.memory.tier.size],
      ["edgecache_memory_size_bytes", at({}), stats.memory.tier.bytes],
    );
  }
  for (const [shard, s] of Object.entries(stats.shards ?? {})) {
    out.push(
      ["edgecache_shard_reads_total", at({ shard }), s.reads],
      ["edgecache_shard_hits_total", at({ shard }), s.hits],
      ["edgecache_shard_errors_total", at({ shard, reason: "error" }), s.errors],
      ["edgecache_shard_errors_total", at({ shard, reason: "timeout" }), s.timeouts],
      ["edgecache_shard_repairs_total", at({ shard }), s.repairs],
      ["edgecache_shard_skipped_total", at({ shard }), s.skippedWhileOpen],
      ["edgecache_shard_open", at({ shard }), s.open ? 1 : 0],
    );
  }
  const q = stats.writeBehind;
  if (q !== undefined) {
    out.push(
      ["edgecache_write_behind_written_total", at({}), q.written],
      ["edgecache_write_behind_batches_total", at({}), q.batches],
      ["edgecache_write_behind_retries_total", at({}), q.retries],
      ["edgecache_write_behind_dead_letters_total", at({}), q.deadLetters],
      ["edgecache_write_behind_depth", at({}), q.depth],
      ["edgecache_write_behind_oldest_age_seconds", at({}), q.oldestAgeMs / 1000],
    );
  }
  return out;
}

/** Checks that `text` (metrics() of a cache) says what `stats` (its stats() then) says. */
export function checkMetricsMatch(text, stats, namespace) {
  const { samples } = parseMetrics(text);
  for (const [name, labels, value] of expectedSamples(stats, namespace)) equal(sampleValue(samples, name, labels), value, `${name}${JSON.stringify(labels)}`);
  ok(samples.every((s) => s.labels.namespace === namespace), "every sample carries the namespace label");
}

export const monitoringCases = [
  ["metrics() says what stats() says, for a sharded write-behind cache after traffic", async (lib) => {
    const cache = await busyCache(lib);
    const stats = cache.stats();
    const text = cache.metrics();
    checkMetricsMatch(text, stats, "shop");
    ok(stats.shards.b.errors === 3 && stats.loader.errors === 1 && stats.writeBehind.depth === 1, JSON.stringify(stats));
    ok(text.includes('edgecache_shard_errors_total{namespace="shop",shard="b",reason="error"} 3\n'), "shard b's failed reads");
    ok(text.includes('edgecache_write_behind_oldest_age_seconds{namespace="shop"} 1.5\n'), "the queued write's age, in seconds");
    await cache.dispose();
  }],

  ["metrics() of a memory-only cache without a namespace: the default namespace \"ec\", no shard or write-behind families", async (lib) => {
    const cache = new lib.EdgeCache();
    await cache.getOrSet("k", () => 1);
    await cache.get("k");
    const text = cache.metrics();
    checkMetricsMatch(text, cache.stats(), "ec");
    ok(text.includes('edgecache_reads_total{namespace="ec",tier="memory",result="hit"} 1\n'), text);
    ok(!text.includes("edgecache_shard_") && !text.includes("edgecache_write_behind_"), "nothing for parts the cache lacks");
    const { types } = parseMetrics(text);
    ok([...types].every(([name, type]) => name.endsWith("_total") === (type === "counter")), "counters, and only counters, end in _total");
    await cache.dispose();
  }],

  ["analyticsEngine: one point within Analytics Engine's limits; counters are changes since the cache's previous point", async (lib) => {
    const cache = await busyCache(lib);
    const first = lib.exporters.analyticsEngine(cache, { blobs: ["colo:AMS"] });
    const stats = cache.stats();
    equal(first.indexes, ["shop"]);
    equal(first.blobs, ["shop", "", "colo:AMS"], "namespace, firing alerts, the caller's");
    equal(first.doubles.length, 20);
    ok(first.doubles.every((d) => typeof d === "number" && !Number.isNaN(d)), JSON.stringify(first.doubles));
    equal(first.doubles.slice(0, 8), [stats.memory.hits, stats.memory.staleServed, stats.memory.misses, stats.store.hits, stats.store.staleServed, stats.store.misses, stats.store.errors, stats.store.timeouts], "the first point: lifetime counts");
    equal([first.doubles[10], first.doubles[11], first.doubles[14], first.doubles[15]], [stats.loader.loads, stats.loader.errors, stats.loader.inFlight, stats.memory.tier.size]);
    equal([first.doubles[17], first.doubles[18], first.doubles[19]], [stats.memory.tier.evictionsByReason.capacity, 1, 0], "capacity evictions, queue depth, dead letters");
    await cache.getOrSet("new", () => 2); // a miss everywhere, and a load
    await cache.get("new"); // a memory hit
    const second = lib.exporters.analyticsEngine(cache);
    equal(second.blobs, ["shop", ""]);
    equal([second.doubles[0], second.doubles[2], second.doubles[5], second.doubles[10], second.doubles[11]], [1, 1, 1, 1, 0], "memory hit and miss, store miss, load, no load error: since the first point");
    equal(second.doubles[18], 2, "queue depth is now, not a change");
    await cache.dispose();
  }],

  ["analyticsEngine and openTelemetry refuse what is not an EdgeCache, a meter, or their options (E_ARGUMENT)", (lib) => {
    const { EdgeCache, EdgeCacheError, exporters } = lib;
    const cache = new EdgeCache({ namespace: "ü".repeat(49) }); // 98 UTF-8 bytes
    for (const notCache of [undefined, null, {}, { stats: () => ({}) }, "cache"]) {
      throwsCode(() => exporters.analyticsEngine(notCache), "E_ARGUMENT", EdgeCacheError, "analyticsEngine of a non-cache");
      throwsCode(() => exporters.openTelemetry(notCache, {}), "E_ARGUMENT", EdgeCacheError, "openTelemetry of a non-cache");
    }
    throwsCode(() => exporters.openTelemetry(cache, { createObservableCounter() {} }), "E_ARGUMENT", EdgeCacheError, "a meter without its methods");
    throwsCode(() => exporters.analyticsEngine(cache), "E_ARGUMENT", EdgeCacheError, "a namespace over 96 bytes as the index");
    equal(exporters.analyticsEngine(cache, { index: "short" }).indexes, ["short"]);
    throwsCode(() => exporters.analyticsEngine(cache, { index: "i", blobs: Array(19).fill("x") }), "E_ARGUMENT", EdgeCacheError, "more than 18 blobs");
    throwsCode(() => exporters.analyticsEngine(cache, { index: "i", blobs: [1] }), "E_ARGUMENT", EdgeCacheError, "a blob that is not a string");
    throwsCode(() => exporters.analyticsEngine(cache, { index: "i", colo: "AMS" }), "E_ARGUMENT", EdgeCacheError, "an unknown option");
    throwsCode(() => exporters.analyticsEngine(cache, "i"), "E_ARGUMENT", EdgeCacheError, "options that are not an object");
    equal(exporters.analyticsEngine(cache, { index: "i", blobs: Array(18).fill("x") }).blobs.length, 20, "18 of the caller's fill the 20");
  }],

  ["openTelemetry observes one stats() per collection through a batch callback, and stops when asked", async (lib) => {
    const meter = recordingMeter();
    const cache = new lib.EdgeCache({ namespace: "shop" });
    await cache.getOrSet("k", () => 1);
    const stop = lib.exporters.openTelemetry(cache, meter);
    equal(meter.callbacks.size, 1, "one batch callback");
    const observed = meter.collect();
    equal(observed.get("edgecache.reads").find(([, a]) => a.tier === "memory" && a.result === "miss"), [1, { namespace: "shop", tier: "memory", result: "miss" }]);
    equal(meter.kinds.get("edgecache.loads"), "counter");
    equal(meter.kinds.get("edgecache.loads.in_flight"), "gauge");
    equal(meter.kinds.get("edgecache.latency.p99"), "gauge");
    equal(observed.get("edgecache.latency.p99").map(([, a]) => a.tier), ["memory", "store", "loader"], "a percentile gauge per tier");
    ok(!observed.has("edgecache.shard.reads") || observed.get("edgecache.shard.reads").length === 0, "no shards, no shard points");
    stop();
    equal(meter.callbacks.size, 0, "the callback is removed");
    const late = lib.exporters.openTelemetry(cache, meter);
    await cache.dispose();
    equal(meter.collect().size, 0, "nothing is observed of a disposed cache");
    late();
  }],
];

/** A stand-in for an @opentelemetry/api Meter that records what is observed (the SDK's real one: tests/js/node/metrics.test.mjs). */
function recordingMeter() {
  const kinds = new Map();
  const callbacks = new Map();
  const instrument = (kind) => (name) => {
    kinds.set(name, kind);
    return { name };
  };
  return {
    kinds,
    callbacks,
    createObservableCounter: instrument("counter"),
    createObservableGauge: instrument("gauge"),
    addBatchObservableCallback: (callback, observables) => callbacks.set(callback, observables),
    removeBatchObservableCallback: (callback) => callbacks.delete(callback),
    /** Runs the callbacks: instrument name → [value, attributes] pairs. */
    collect() {
      const out = new Map();
      for (const [callback, observables] of callbacks) {
        callback({
          observe(instrument, value, attributes) {
            ok(observables.includes(instrument), `${instrument.name} was declared with the callback`);
            if (!out.has(instrument.name)) out.set(instrument.name, []);
            out.get(instrument.name).push([value, attributes]);
          },
        });
      }
      return out;
    },
  };
}
