// Stats that travel: a cache's counts and latency histograms as plain numbers
// (`EdgeCache.snapshot()`), which another isolate or a collector merges by adding
// (`mergeStats`): the merged percentiles are those of one cache fed every stream.
import { latencyBounds as engineBounds, mergedStats } from "../../dist/edgecache.js";
import { fail, typeName } from "../errors.js";
import { tierStats } from "./reporting.js";

/** The upper bound (ms) of each latency bucket of `stats()`'s `latency.buckets`. */
export function latencyBounds() {
  return Array.from(engineBounds());
}

/** The snapshot format this package writes and reads. */
const VERSION = 1;

/** `{ version, windowLength, lifetime, window }`: the engine's tallies as JSON-safe numbers. */
export function snapshot(c) {
  const now = c.now();
  c.engine.applyReports(c.reports.take());
  const windowLength = c.engine.windowLength();
  return {
    version: VERSION,
    windowLength,
    lifetime: Array.from(c.engine.tally(false, now)),
    window: windowLength > 0 ? Array.from(c.engine.tally(true, now)) : null,
  };
}

/**
 * Stats of several snapshots added up: `{ lifetime, window? }`, each shaped like the
 * numbers of `stats()` (hit rates, error rate, per tier counters and latency).
 * @param {unknown} snapshots what `EdgeCache.snapshot()` returned, from any number of caches
 */
export function mergeStats(snapshots) {
  if (!Array.isArray(snapshots) || snapshots.length === 0) {
    fail("E_ARGUMENT", `mergeStats: pass a non-empty array of EdgeCache.snapshot() results, got ${typeName(snapshots)}`);
  }
  const read = Array.from(snapshots, (s, i) => readSnapshot(s, `snapshots[${i}]`));
  const out = { lifetime: merged(read.map((s) => s.lifetime)) };
  const windowed = read.filter((s) => s.window !== null).length;
  if (windowed === 0) return out;
  const length = read[0].windowLength;
  if (windowed < read.length || read.some((s) => s.windowLength !== length)) {
    fail("E_ARGUMENT", "mergeStats: the snapshots' windows differ (in length, or some have none); give every cache the same stats.window");
  }
  out.window = { length, ...merged(read.map((s) => s.window)) };
  return out;
}

/** A snapshot's fields read once, checked to be numbers (E_ARGUMENT otherwise). */
function readSnapshot(s, what) {
  const bad = () => fail("E_ARGUMENT", `mergeStats: ${what} is not an EdgeCache.snapshot() result of this version (${VERSION})`);
  if (s === null || typeof s !== "object") bad();
  const { version, windowLength, lifetime, window } = s;
  if (version !== VERSION || typeof windowLength !== "number" || !isNumbers(lifetime) || lifetime.length === 0) bad();
  if (window !== null && !isNumbers(window)) bad();
  return { windowLength, lifetime, window };
}

/** Whether `list` is an array of numbers, holes and all checked. */
function isNumbers(list) {
  if (!Array.isArray(list)) return false;
  for (let i = 0; i < list.length; i++) if (typeof list[i] !== "number") return false;
  return true;
}

function merged(tallies) {
  const numbers = mergedStats(Float64Array.from(tallies.flat()));
  if (numbers.length === 0) fail("E_ARGUMENT", "mergeStats: a snapshot's numbers are damaged; pass EdgeCache.snapshot() results unchanged");
  return tierStats(numbers);
}
