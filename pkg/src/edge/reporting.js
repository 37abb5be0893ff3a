// What an EdgeCache tells its caller: events (built only when someone listens, each
// failure reported once) and stats (the engine's numbers, nested by the engine's names).
import { EdgeEngine } from "../../dist/edgecache.js";
import { firingAlerts, judge } from "./monitor.js";
import { ShardedStore } from "./shards.js";

/** Reports `{ type, key, tier }`, built only when someone listens (hits are hot). */
export function event(c, type, key, tier) {
  if (c.onEvent !== undefined) emit(c, { type, key, tier });
}

/** Sends `e` to `onEvent`; an `error` event's error is remembered as reported. */
export function emit(c, e) {
  if (e.type === "error" && isObject(e.error)) c.reported.add(e.error);
  if (c.onEvent === undefined) return;
  try {
    c.onEvent(e);
  } catch {
    // An event handler's failure must not break the cache.
  }
}

/** Whether `error` was the subject of an `error` event already. */
export function wasReported(c, error) {
  return isObject(error) && c.reported.has(error);
}

/**
 * Lifetime counters and latency per tier, the same over the sliding window (`window`), the
 * firing alerts, the memory tier's occupancy (`memory.tier`, `memory.usage`), the shards'
 * and the write-behind queue's counters.
 */
export function stats(c) {
  const now = c.now();
  judge(c, now);
  const s = tierStats(c.engine.stats(c.inFlight, c.reports.take()));
  if (c.memory !== null) {
    // The memory tier's own hits and misses count the cache's internal lookups too: the
    // tiered reads' memory.hits and memory.hitRate are the ones to read.
    const { hits, misses, hitRate, ...tier } = c.memory.stats();
    s.memory.tier = tier;
    s.memory.usage = c.memory.usage;
  }
  const window = c.engine.windowStats(c.inFlight, now);
  if (window.length > 0) s.window = { length: c.engine.windowLength(), ...tierStats(window) };
  s.alerts = firingAlerts(c);
  if (c.store instanceof ShardedStore) s.shards = c.store.stats();
  if (c.writeBehind !== null) s.writeBehind = c.writeBehind.stats();
  return s;
}

/** The names of the engine's stats numbers, in its order (EdgeEngine.statNames), once read. */
let statNames;

/**
 * Stats numbers of the engine (`EdgeEngine.stats`, `mergedStats`) as `{ hitRate, ..., memory, store,
 * loader }`, each tier with its `latency` and the latency's `buckets`.
 */
export function tierStats(numbers) {
  statNames ??= EdgeEngine.statNames();
  const out = {};
  statNames.forEach((name, i) => {
    const path = name.split(".");
    let at = out;
    for (const part of path.slice(0, -1)) at = at[part] ??= {};
    at[path[path.length - 1]] = numbers[i];
  });
  let i = statNames.length;
  for (const tier of ["memory", "store", "loader"]) {
    const length = numbers[i];
    out[tier].latency.buckets = Array.from(numbers.subarray(i + 1, i + 1 + length));
    i += 1 + length;
  }
  return out;
}

/** Whether `value` can be held in a WeakSet. */
function isObject(value) {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}
