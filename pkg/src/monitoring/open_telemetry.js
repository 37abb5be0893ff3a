// OpenTelemetry bridge: the catalogue's numbers as observable instruments of the caller's
// `@opentelemetry/api` Meter. The package depends on no OpenTelemetry code: the meter is
// passed in, and only its instrument-making and callback methods are used.
import { fail, isEdgeCacheError, typeName } from "../errors.js";
import { namespaceOf } from "../edge/cache.js";
import { METRICS, TIERS } from "./catalog.js";

const METER_METHODS = ["createObservableCounter", "createObservableGauge", "addBatchObservableCallback", "removeBatchObservableCallback"];
const PERCENTILES = ["p50", "p95", "p99", "max"];

/**
 * Observes `cache` through `meter` (from `metrics.getMeter(name)`): one `stats()` per
 * collection, read by one batch callback. Counters are ObservableCounters of lifetime
 * totals, states ObservableGauges, named `edgecache.*`, with attributes `namespace`,
 * `tier`, `shard`, `result`, `reason`. The API has no observable histogram, so latency is
 * published as gauges of percentiles per tier (`edgecache.latency.p50` .. `.max`, seconds).
 * After the cache's `dispose()` nothing is observed. Returns a function that stops observing.
 */
export function openTelemetry(cache, meter) {
  const namespace = namespaceOf(cache, "exporters.openTelemetry");
  if (typeof meter !== "object" || meter === null || METER_METHODS.some((name) => typeof meter[name] !== "function")) {
    fail("E_ARGUMENT", `exporters.openTelemetry: meter must be an @opentelemetry/api Meter (metrics.getMeter("my-service")), got ${typeName(meter)}`);
  }
  const instruments = METRICS.map((m) => {
    const make = m.kind === "counter" ? "createObservableCounter" : "createObservableGauge";
    return meter[make](`edgecache.${m.name}`, { description: m.help, unit: m.unit });
  });
  const latency = PERCENTILES.map((p) =>
    meter.createObservableGauge(`edgecache.latency.${p}`, { description: `Latency ${p === "max" ? "maximum" : `${p.slice(1)}th percentile`} of memory reads, store calls and loads, by tier.`, unit: "s" }),
  );
  const observe = (result) => {
    const stats = liveStats(cache);
    if (stats === null) return;
    METRICS.forEach((m, i) => {
      for (const [labels, value] of m.points(stats)) result.observe(instruments[i], value, { namespace, ...labels });
    });
    for (const tier of TIERS) {
      PERCENTILES.forEach((p, i) => result.observe(latency[i], stats[tier].latency[p] / 1000, { namespace, tier }));
    }
  };
  const observables = [...instruments, ...latency];
  meter.addBatchObservableCallback(observe, observables);
  return () => meter.removeBatchObservableCallback(observe, observables);
}

/** `cache.stats()`, or null once the cache is disposed. */
function liveStats(cache) {
  try {
    return cache.stats();
  } catch (error) {
    if (isEdgeCacheError(error) && error.code === "E_DISPOSED") return null;
    throw error;
  }
}
