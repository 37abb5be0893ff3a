// The OpenTelemetry bridge in Deno, read by the OpenTelemetry SDK (from node_modules, as the
// package is) with its in-memory exporter.
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { EdgeCache, exporters, stores } from "edgecache";
import { equal, ok } from "../cases/check.mjs";

Deno.test("OpenTelemetry SDK in Deno: counters, gauges and latency percentiles of a sharded cache", async () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 2 ** 31 - 1 });
  const provider = new MeterProvider({ readers: [reader] });
  const cache = new EdgeCache({ store: { a: stores.memory(), b: stores.memory() }, namespace: "shop" });
  for (let i = 0; i < 10; i++) await cache.getOrSet(["item", i % 4], () => i);
  const stop = exporters.openTelemetry(cache, provider.getMeter("edgecache-test"));
  await reader.forceFlush();
  const stats = cache.stats();
  const metrics = new Map(exporter.getMetrics().at(-1).scopeMetrics[0].metrics.map((m) => [m.descriptor.name, m]));
  const value = (name, attributes) =>
    metrics.get(name).dataPoints.find((p) => JSON.stringify(p.attributes) === JSON.stringify({ namespace: "shop", ...attributes }))?.value;
  equal(value("edgecache.reads", { tier: "memory", result: "hit" }), stats.memory.hits);
  equal(value("edgecache.loads", {}), 4);
  equal(metrics.get("edgecache.loads").dataPointType, DataPointType.SUM);
  equal(value("edgecache.shard.reads", { shard: "a" }) + value("edgecache.shard.reads", { shard: "b" }), 4);
  equal(metrics.get("edgecache.shard.open").dataPointType, DataPointType.GAUGE);
  equal(value("edgecache.latency.p50", { tier: "store" }), stats.store.latency.p50 / 1000);
  ok(stats.memory.hits === 6, JSON.stringify(stats.memory));
  stop();
  await provider.shutdown();
  await cache.dispose();
});
