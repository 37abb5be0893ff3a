// metrics() and the exporters in Node: the runtime-neutral cases; promtool's check (parse and
// lint) of metrics() and of a full snapshot's text; exact formats against a full snapshot
// (tests/js/support/stats_snapshot.mjs); the OpenTelemetry SDK reading the bridge.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import * as lib from "edgecache";
import { busyCache, checkMetricsMatch, monitoringCases, parseMetrics, sampleValue } from "../cases/monitoring.mjs";
import { LATENCY_BOUNDS, specSnapshot } from "../support/stats_snapshot.mjs";
import { DOUBLES, dataPoint, prometheusText } from "../../../pkg/dist/testing.js";

for (const [name, fn] of monitoringCases) test(name, () => fn(lib));

/** `promtool check metrics` of `text`: its exit status and everything it printed. */
function promtool(text) {
  const r = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
  assert.equal(r.error, undefined, "promtool runs (Debian's prometheus package; scripts/setup.sh installs it)");
  return { status: r.status, said: r.stdout + r.stderr };
}

test("promtool: metrics() of a sharded write-behind cache after traffic parses and lints clean", async () => {
  const cache = await busyCache(lib);
  const text = cache.metrics();
  assert.deepEqual(promtool(text), { status: 0, said: "" });
  checkMetricsMatch(text, cache.stats(), "shop");
  await cache.dispose();
});

test("promtool: the text of a full snapshot (histograms, alerts, memory usage, odd shard ids) parses and lints clean", () => {
  const text = prometheusText(specSnapshot(), { namespace: 'sh"op\\1', bounds: LATENCY_BOUNDS });
  assert.deepEqual(promtool(text), { status: 0, said: "" });
  assert.match(text, /^edgecache_shard_reads_total\{namespace="sh\\"op\\\\1",shard="we\\"ird\\\\id"\} 5$/m, "label values escaped");
});

test("every number of a full snapshot, with HELP and TYPE for each family", () => {
  const stats = specSnapshot();
  const text = prometheusText(stats, { namespace: "shop", bounds: LATENCY_BOUNDS });
  checkMetricsMatch(text, stats, "shop");
  const { samples, types } = parseMetrics(text);
  assert.equal(sampleValue(samples, "edgecache_memory_usage_ratio", { namespace: "shop" }), 0.9);
  assert.equal(sampleValue(samples, "edgecache_alert_firing", { namespace: "shop", rule: "maxLatency", tier: "store" }), 1);
  assert.equal(sampleValue(samples, "edgecache_alert_firing", { namespace: "shop", rule: "maxMemoryUsage" }), 1);
  assert.equal(samples.filter((s) => s.name === "edgecache_alert_firing").length, 2, "firing rules only");
  assert.equal(types.get("edgecache_latency_seconds"), "histogram");
  for (const [name, type] of types) {
    assert.match(text, new RegExp(`^# HELP ${name} \\S.*\\n# TYPE ${name} ${type}$`, "m"), `${name} has HELP before TYPE`);
    assert.ok(samples.some((s) => s.name === name || s.name.startsWith(`${name}_`)), `${name} has samples`);
  }
  assert.equal(new Set(samples.map((s) => `${s.name}${JSON.stringify(s.labels)}`)).size, samples.length, "no sample twice");
});

test("latency histograms keep every 8th engine bound (two octaves), in seconds, with exact cumulative counts", () => {
  const stats = specSnapshot();
  const { samples } = parseMetrics(prometheusText(stats, { namespace: "", bounds: LATENCY_BOUNDS }));
  const kept = LATENCY_BOUNDS.filter((_, i) => i % 8 === 0);
  assert.equal(kept.length, 15);
  assert.deepEqual(kept.slice(0, 3), [0.01, 0.04, 0.16]);
  for (const tier of ["memory", "store", "loader"]) {
    const { buckets, count, sum } = stats[tier].latency;
    const mine = samples.filter((s) => s.name === "edgecache_latency_seconds_bucket" && s.labels.tier === tier);
    assert.deepEqual(mine.map((s) => s.labels.le), [...kept.map((ms) => String(Number((ms / 1000).toPrecision(12)))), "+Inf"]);
    kept.forEach((ms, k) => {
      const below = buckets.slice(0, 8 * k + 1).reduce((a, n) => a + n, 0);
      assert.equal(mine[k].value, below, `${tier} le=${ms} ms`);
    });
    assert.equal(mine.at(-1).value, count, `${tier} +Inf`);
    assert.equal(sampleValue(samples, "edgecache_latency_seconds_count", { namespace: "", tier }), count);
    assert.equal(sampleValue(samples, "edgecache_latency_seconds_sum", { namespace: "", tier }), sum / 1000);
  }
  const store = samples.filter((s) => s.name === "edgecache_latency_seconds_bucket" && s.labels.tier === "store");
  assert.deepEqual(store.map((s) => s.value), [2, 2, 5, 5, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 7], "2 at the floor, 3 by 0.16 ms, 1 by 2.56 ms, 1 past the last kept bound");
});

test("parts a snapshot lacks publish nothing; buckets without bounds are an E_ARGUMENT", () => {
  const full = specSnapshot();
  const { tier, usage, ...memory } = full.memory;
  const stats = specSnapshot({ memory, shards: undefined, writeBehind: undefined, alerts: undefined });
  const text = prometheusText(stats, { namespace: "shop", bounds: LATENCY_BOUNDS });
  for (const gone of ["edgecache_shard_", "edgecache_write_behind_", "edgecache_alert_", "edgecache_memory_entries", "edgecache_memory_size", "edgecache_memory_usage", "edgecache_memory_evictions", "edgecache_memory_rejected"]) {
    assert.ok(!text.includes(gone), gone);
  }
  assert.deepEqual(promtool(text), { status: 0, said: "" });
  const noBuckets = specSnapshot();
  for (const t of ["memory", "store", "loader"]) delete noBuckets[t].latency.buckets;
  assert.ok(!prometheusText(noBuckets, { namespace: "" }).includes("edgecache_latency_seconds"), "no histogram without buckets");
  assert.throws(() => prometheusText(specSnapshot(), { namespace: "" }), (e) => e instanceof lib.EdgeCacheError && e.code === "E_ARGUMENT" && /latencyBounds/.test(e.message));
});

test("Analytics Engine: the doubles of a full snapshot in their documented order; counters less the previous point's", () => {
  const s = specSnapshot();
  const { point, values } = dataPoint(s, undefined, { namespace: "shop", index: "shop", blobs: ["AMS"] });
  assert.deepEqual(point.indexes, ["shop"]);
  assert.deepEqual(point.blobs, ["shop", "maxLatency:store,maxMemoryUsage", "AMS"]);
  assert.deepEqual(DOUBLES.map(([path]) => path), [
    "memory.hits", "memory.staleServed", "memory.misses", "store.hits", "store.staleServed", "store.misses", "store.errors", "store.timeouts",
    "store.latency.count", "store.latency.sum", "loader.loads", "loader.errors", "loader.latency.count", "loader.latency.sum", "loader.inFlight",
    "memory.tier.size", "memory.usage", "memory.tier.evictionsByReason.capacity", "writeBehind.depth", "writeBehind.deadLetters",
  ]);
  assert.deepEqual(point.doubles, [40, 3, 12, 4, 1, 6, 2, 1, 7, 9_000_012.5, 8, 1, 7, 770.25, 2, 9, 0.9, 5, 3, 1]);
  const later = specSnapshot();
  later.memory = { ...later.memory, hits: 50, usage: 0.5 };
  later.loader = { ...later.loader, loads: 10, inFlight: 0 };
  const next = dataPoint(later, values, { namespace: "shop", index: "i", blobs: [] }).point;
  assert.deepEqual(next.doubles, [10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 9, 0.5, 0, 3, 0], "counters as changes, states as they are");
  const { tier, usage, ...memory } = s.memory;
  const bare = dataPoint(specSnapshot({ memory, writeBehind: undefined, alerts: undefined }), undefined, { namespace: "", index: "", blobs: [] }).point;
  assert.deepEqual([bare.doubles[15], bare.doubles[16], bare.doubles[17], bare.doubles[18], bare.doubles[19]], [0, 0, 0, 0, 0], "0 for the parts a snapshot lacks");
  assert.deepEqual(bare.blobs, ["", ""]);
});

test("OpenTelemetry SDK: the bridge's instruments, values and attributes, one stats() per collection; none after stop", async () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 2 ** 31 - 1 });
  const provider = new MeterProvider({ readers: [reader] });
  const cache = await busyCache(lib);
  let reads = 0;
  const stats = cache.stats.bind(cache);
  cache.stats = () => (reads++, stats()); // counts the exporter's reads
  const stop = lib.exporters.openTelemetry(cache, provider.getMeter("edgecache-test"));
  await reader.forceFlush();
  assert.equal(reads, 1, "one stats() for the whole collection");
  const metrics = new Map(exporter.getMetrics().at(-1).scopeMetrics[0].metrics.map((m) => [m.descriptor.name, m]));
  const now = stats();
  const point = (name, attributes) => {
    const m = metrics.get(name);
    assert.ok(m !== undefined, `${name} exported`);
    const found = m.dataPoints.filter((p) => JSON.stringify(p.attributes) === JSON.stringify({ namespace: "shop", ...attributes }));
    assert.equal(found.length, 1, `${name} ${JSON.stringify(attributes)}`);
    return { value: found[0].value, type: m.dataPointType, monotonic: m.isMonotonic, unit: m.descriptor.unit };
  };
  assert.deepEqual(point("edgecache.reads", { tier: "store", result: "hit" }), { value: now.store.hits, type: DataPointType.SUM, monotonic: true, unit: "{read}" });
  assert.equal(point("edgecache.load_errors", {}).value, 1);
  assert.equal(point("edgecache.shard.errors", { shard: "b", reason: "error" }).value, 3);
  assert.deepEqual(point("edgecache.shard.open", { shard: "a" }), { value: 0, type: DataPointType.GAUGE, monotonic: undefined, unit: "" });
  assert.deepEqual(point("edgecache.write_behind.oldest_age", {}), { value: 1.5, type: DataPointType.GAUGE, monotonic: undefined, unit: "s" });
  assert.equal(point("edgecache.memory.evictions", { reason: "capacity" }).value, now.memory.tier.evictionsByReason.capacity);
  assert.deepEqual(point("edgecache.latency.p99", { tier: "loader" }), { value: now.loader.latency.p99 / 1000, type: DataPointType.GAUGE, monotonic: undefined, unit: "s" });
  assert.equal(point("edgecache.memory.usage", {}).value, now.memory.usage);
  await reader.forceFlush();
  assert.equal(reads, 2, "one more for the next collection");
  stop();
  await reader.forceFlush();
  assert.equal(reads, 2, "none after stop");
  await provider.shutdown();
  await cache.dispose();
});
