// Reads past memory and loads: the store, then the caller's loader, shared by concurrent
// callers of a key (single flight, see coordinator.js); background refreshes; a stale
// value served when loading fails inside its stale-if-error window.
import { Report } from "../../dist/edgecache.js";
import { EdgeCacheError, describe, isEdgeCacheError } from "../errors.js";
import { awaitTurn, leasedBound, releaseAfter } from "./lease.js";
import { NO_OPTIONS, checkTtl } from "./options.js";
import { NO_TAGS, readStore } from "./read_path.js";
import { monitor } from "./monitor.js";
import { emit, event } from "./reporting.js";
import { storedForm } from "./serializer.js";
import { elapsedClock, withTimeout } from "./timeout.js";
import { write } from "./write_path.js";

/** `get` past memory: the store (shared with concurrent `get`s of the key), or undefined. */
export function getFromStore(c, k, stale, token) {
  if (c.store === null) return undefined;
  return c.coordinator.reads.run(k, c.readBound, () => readThrough(c, k, null, NO_OPTIONS, stale, token));
}

/** `getOrSet` past memory: the store, then the loader (shared with concurrent calls of the key). */
export function loadThrough(c, k, loader, o, stale, token) {
  const flights = o.forceRefresh === true ? c.coordinator.forced : c.coordinator.loads;
  const bound = c.lease === null ? loadBound(c, o) : leasedBound(c, loadBound(c, o));
  const loading = flights.run(k, bound, () => readThrough(c, k, loader, o, stale, token));
  if (stale === null) return loading;
  // This call may have joined a load that carries no stale value (warm's): its own stands
  // in if that load fails.
  return loading.catch((error) => {
    if (c.loaderFailures.has(error) && staleIfError(c, k, stale)) return stale.value;
    throw error;
  });
}

/**
 * L2, then (with a loader) the loader; `stale` is served if both fail within its window.
 * A set or delete of `k` from the start of the call (`callerToken`, taken by the caller,
 * or now) to the end of the load wins: what the read or the loader found is not kept.
 * With a coordinator, a miss the store answered waits for the key's lease (lease.js).
 */
async function readThrough(c, k, loader, o, stale, callerToken) {
  const token = c.coordinator.retain(k, callerToken);
  try {
    let storeFailed = false;
    if (c.store !== null && o.forceRefresh !== true) {
      const found = await readStore(c, k, loader, o, token);
      if (found.served) return found.value;
      storeFailed = found.failed === true;
      if (found.stale && (stale === null || found.stale.expires > stale.expires)) stale = found.stale;
    }
    if (loader === null) {
      return storeFailed && stale !== null && staleIfError(c, k, stale) ? stale.value : undefined;
    }
    let held = null;
    if (c.lease !== null && !storeFailed && o.forceRefresh !== true) {
      const turn = await awaitTurn(c, k, o, token, loadBound(c, o));
      if (turn.served) return turn.value;
      held = turn.held;
    }
    return await callLoader(c, k, loader, o, stale, token, held);
  } finally {
    c.coordinator.end(k, token);
  }
}

/**
 * A background refresh of `k` (whose entry expires at `expires`): calls the loader and
 * caches its value (see callLoader). With a coordinator only the isolate that takes the
 * key's lease calls the loader; the others wait for a value newer than theirs in the store.
 */
async function load(c, k, loader, o, expires) {
  const token = c.coordinator.begin(k);
  try {
    let held = null;
    if (c.lease !== null) {
      const turn = await awaitTurn(c, k, o, token, loadBound(c, o), expires);
      if (turn.served) return turn.value;
      held = turn.held;
    }
    return await callLoader(c, k, loader, o, null, token, held);
  } finally {
    c.coordinator.end(k, token);
  }
}

/**
 * Calls the loader, caches its value (unless a `set` or `delete` of the key came in
 * since `token` was taken), serves `stale` if it fails within its window. `held`: the
 * key's lease (lease.js), released once the store write settled, or null.
 */
async function callLoader(c, k, loader, o, stale, token, held = null) {
  let written = null;
  try {
    let loaded;
    try {
      loaded = await runLoader(c, k, loader, o);
    } catch (error) {
      if (stale !== null && staleIfError(c, k, stale)) return stale.value;
      throw error;
    }
    const { value, mark, loadMs, chosen } = loaded;
    const form = storedForm(c, k, value);
    // Skipped by the loader, superseded by a set, delete or clear, or loaded from data older
    // than an invalidation of one of its tags: the caller gets the value, the cache does not
    // keep it (a refresh leaves the entry it refreshed).
    if (chosen.skipped || loadOutdated(c, token, o, mark)) return form.stored;
    written = write(c, k, form, withTtl(o, chosen), loadMs, false);
    if (written !== null) c.background.add(written);
    return form.stored;
  } finally {
    if (held !== null) c.background.add(releaseAfter(c, k, held, written));
  }
}

/** `o` with the TTL the loader chose (`ctx.setTtl`), if it chose one. */
export function withTtl(o, chosen) {
  return chosen.ttl === undefined ? o : { ...o, ttl: chosen.ttl };
}

/**
 * The context a loader is called with, and what it chose through it (`{ skipped, ttl }`):
 * `skip()` returns the value without caching it, `setTtl(ms)` caches it for `ms` (checked
 * as the `ttl` option is). Calls once the loader has settled change nothing.
 */
function loaderContext() {
  const chosen = { skipped: false, ttl: undefined, open: true };
  const ctx = Object.freeze({
    skip() {
      if (chosen.open) chosen.skipped = true;
    },
    setTtl(ms) {
      checkTtl("ctx.setTtl(ms): ms", ms);
      if (chosen.open) chosen.ttl = ms;
    },
  });
  return { ctx, chosen };
}

/**
 * Calls `loader(ctx)` for `k`, counted (loads, errors, in flight, latency) and reported (a
 * `load` event; an `error` event when it fails). Resolves with `{ value, mark, loadMs,
 * chosen }` (`mark`: the tag invalidations seen before the call; `chosen`: what the loader
 * asked for through its context, see loaderContext). A failure is thrown as E_LOADER
 * with the loader's error as `cause` (an EdgeCacheError the loader throws passes through);
 * so is a loader unsettled after `loaderTimeout` (the call's, else the cache's), with a
 * TimeoutError as `cause`. Its late result is dropped.
 */
export async function runLoader(c, k, loader, o) {
  const t0 = elapsedClock();
  const mark = c.tags.mark(o.tags ?? NO_TAGS);
  c.reports.count(Report.Load);
  event(c, "load", k, "loader");
  c.inFlight++;
  const { ctx, chosen } = loaderContext();
  try {
    const value = await withTimeout(Promise.resolve(loader(ctx)), o.loaderTimeout ?? c.loaderTimeout, "loader");
    if (value === undefined) {
      throw new EdgeCacheError("E_LOADER", `loader for "${k}" returned undefined; return null to cache "no value"`);
    }
    return { value, mark, loadMs: elapsedClock() - t0, chosen };
  } catch (cause) {
    c.reports.count(Report.LoadError);
    emit(c, { type: "error", key: k, tier: "loader", error: cause });
    const failure = isEdgeCacheError(cause)
      ? cause
      : new EdgeCacheError("E_LOADER", `loader for "${k}" failed: ${describe(cause)}`, { cause });
    c.loaderFailures.add(failure);
    c.reported.add(failure);
    throw failure;
  } finally {
    chosen.open = false;
    c.inFlight--;
    const now = c.now();
    c.reports.add(Report.LoaderLatency, elapsedClock() - t0, now);
    monitor(c, now);
  }
}

/**
 * Whether a loaded value is older than the cache's state: a set or delete came in while it
 * loaded (`token`), or one of its tags was invalidated after `mark`.
 */
export function loadOutdated(c, token, o, mark) {
  return token.dirty || c.tags.invalidatedSince(o.tags ?? NO_TAGS, mark);
}

/** Whether `stale` is served because loading failed (the engine decides and counts it). */
function staleIfError(c, k, stale) {
  if (!c.engine.serveFallback(c.now(), stale.errorUntil)) return false;
  emit(c, { type: "stale", key: k, reason: "error" });
  return true;
}

/** Starts one background refresh of `k`, whose entry expires at `expires` (none if one is running). */
export function refresh(c, k, loader, o, expires) {
  const refreshes = c.coordinator.refreshes;
  if (refreshes.has(k)) return;
  c.reports.count(Report.Refresh);
  emit(c, { type: "refresh", key: k });
  const bound = c.lease === null ? loadBound(c, o) : leasedBound(c, loadBound(c, o));
  // With its store write, bounded as a read is.
  c.background.add(refreshes.run(k, bound, () => load(c, k, loader, o, expires)), bound + c.readBound);
}

/** How long a load with the call options `o` may take at most (ms): see EdgeEngine.loadBound. */
export function loadBound(c, o) {
  return o.loaderTimeout === undefined ? c.readBound + c.loaderTimeout : c.engine.loadBound(o.loaderTimeout);
}
