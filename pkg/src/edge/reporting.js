// What an EdgeCache tells its caller: events (built only when someone listens, each
// failure reported once) and stats (the engine's numbers, nested by the engine's names).
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

/** Counters and latency per tier; `memory.tier` is the memory tier's own stats. */
export function stats(c) {
  statNames ??= c.engine.statNames(); // the same for every engine
  const s = namedStats(statNames, c.engine.stats(c.inFlight, c.reports.take()));
  if (c.memory !== null) s.memory.tier = c.memory.stats();
  if (c.store instanceof ShardedStore) s.shards = c.store.stats();
  if (c.writeBehind !== null) s.writeBehind = c.writeBehind.stats();
  return s;
}

/** The names of an engine's stats numbers, in its order (EdgeEngine.statNames), once read. */
let statNames;

/**
 * The engine's stats numbers as `{ memory, store, loader }`, each with its `latency`:
 * `names` are the engine's (`"store.corrupt"`, `"memory.latency.p99"`), in its order.
 */
function namedStats(names, numbers) {
  const out = {};
  names.forEach((name, i) => {
    const path = name.split(".");
    let at = out;
    for (const part of path.slice(0, -1)) at = at[part] ??= {};
    at[path[path.length - 1]] = numbers[i];
  });
  return out;
}

/** Whether `value` can be held in a WeakSet. */
function isObject(value) {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}
