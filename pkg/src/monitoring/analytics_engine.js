// Workers Analytics Engine: a cache's numbers as one data point for
// `env.DATASET.writeDataPoint()`. Analytics Engine stores rows and sums them in queries,
// so counters go out as their change since the cache's previous point (a row of each
// isolate adds up to the totals), states as they are now.
import { fail, typeName } from "../errors.js";
import { namespaceOf } from "../edge/cache.js";
import { readOnce } from "../plain_options.js";

/**
 * The doubles, double1 to double20, in this order: a stats() path, and "delta" (a counter:
 * its change since the previous point) or "now" (a state). A part the snapshot lacks
 * (memory.tier, memory.usage, writeBehind) is 0.
 */
export const DOUBLES = [
  ["memory.hits", "delta"],
  ["memory.staleServed", "delta"],
  ["memory.misses", "delta"],
  ["store.hits", "delta"],
  ["store.staleServed", "delta"],
  ["store.misses", "delta"],
  ["store.errors", "delta"],
  ["store.timeouts", "delta"],
  ["store.latency.count", "delta"],
  ["store.latency.sum", "delta"],
  ["loader.loads", "delta"],
  ["loader.errors", "delta"],
  ["loader.latency.count", "delta"],
  ["loader.latency.sum", "delta"],
  ["loader.inFlight", "now"],
  ["memory.tier.size", "now"],
  ["memory.usage", "now"],
  ["memory.tier.evictionsByReason.capacity", "delta"],
  ["writeBehind.depth", "now"],
  ["writeBehind.deadLetters", "delta"],
];

/** Analytics Engine's limits on one data point. */
const MAX_BLOBS = 20;
const MAX_INDEX_BYTES = 96;
/** The most bytes of blobs (UTF-8, all together) in one data point. */
const MAX_BLOB_BYTES = 16 * 1024;
/** Blobs the exporter writes before the caller's: namespace, firing alerts. */
const OWN_BLOBS = 2;

/** The values of each cache's previous data point (the baseline of its counters). */
const previous = new WeakMap();

/**
 * `cache`'s data point now: `{ indexes: [index], blobs, doubles }`. `index` (the sampling
 * key, at most 96 UTF-8 bytes) defaults to the cache's namespace; blob1 is the namespace,
 * blob2 the alerts firing ("rule" or "rule:tier", comma-separated; "" when none), then the
 * caller's `blobs` (at most 18); doubles as DOUBLES lists them.
 */
export function analyticsEngine(cache, options) {
  const namespace = namespaceOf(cache, "exporters.analyticsEngine");
  const labels = { namespace, ...checkOptions(options, namespace) };
  const { point, values } = dataPoint(cache.stats(), previous.get(cache), labels);
  const bytes = point.blobs.reduce((sum, blob) => sum + new TextEncoder().encode(blob).length, 0);
  if (bytes > MAX_BLOB_BYTES) {
    fail("E_ARGUMENT", `exporters.analyticsEngine: the data point's blobs are ${bytes} UTF-8 bytes; Analytics Engine takes at most ${MAX_BLOB_BYTES} per point: pass shorter options.blobs`);
  }
  previous.set(cache, values);
  return point;
}

/**
 * The data point of a stats() snapshot, its counters less `before` (the `values` of the
 * previous point; undefined for none), and its `values`, the next point's `before`.
 */
export function dataPoint(stats, before, { namespace, index, blobs }) {
  const values = DOUBLES.map(([path]) => path.split(".").reduce((at, name) => at?.[name], stats) ?? 0);
  const firing = (stats.alerts ?? []).map((a) => (a.tier === undefined ? a.rule : `${a.rule}:${a.tier}`));
  return {
    point: {
      indexes: [index],
      blobs: [namespace, firing.join(","), ...blobs],
      doubles: values.map((v, i) => (DOUBLES[i][1] === "delta" ? v - (before?.[i] ?? 0) : v)),
    },
    values,
  };
}

function checkOptions(options, namespace) {
  const what = "exporters.analyticsEngine";
  const o = options === undefined ? {} : readOnce(options, "E_ARGUMENT", `${what}: options`, "an object such as { blobs: [request.cf.colo] }");
  for (const name of Object.keys(o)) {
    if (name !== "index" && name !== "blobs") fail("E_ARGUMENT", `${what}: unknown option "${name}"; the options are index, blobs`);
  }
  const index = o.index ?? namespace;
  if (typeof index !== "string") fail("E_ARGUMENT", `${what}: index must be a string, got ${typeName(index)}`);
  const bytes = new TextEncoder().encode(index).length;
  if (bytes > MAX_INDEX_BYTES) {
    fail("E_ARGUMENT", `${what}: the index ${JSON.stringify(index)} is ${bytes} UTF-8 bytes; Analytics Engine takes at most ${MAX_INDEX_BYTES}: pass a shorter options.index`);
  }
  const blobs = o.blobs === undefined ? [] : Array.isArray(o.blobs) ? [...o.blobs] : null;
  if (blobs === null || blobs.length > MAX_BLOBS - OWN_BLOBS) {
    fail("E_ARGUMENT", `${what}: blobs must be an array of at most ${MAX_BLOBS - OWN_BLOBS} strings (Analytics Engine takes ${MAX_BLOBS}, the first ${OWN_BLOBS} are the cache's), got ${typeName(o.blobs)}${blobs === null ? "" : ` of ${blobs.length}`}`);
  }
  const bad = blobs.findIndex((b) => typeof b !== "string");
  if (bad >= 0) fail("E_ARGUMENT", `${what}: blobs[${bad}] must be a string, got ${typeName(blobs[bad])}`);
  return { index, blobs };
}
