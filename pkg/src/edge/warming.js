// Warming: preloads entries, skipping those already fresh, with a bounded number of
// loaders at once. A warm load shares the load flights with getOrSet (coordinator.js) and
// never overwrites a set or delete that came in meanwhile.
import { ReadPlan } from "../../dist/edgecache.js";
import { describe, fail, typeName } from "../errors.js";
import { toStoredKey } from "../keys.js";
import { readOnce } from "../plain_options.js";
import { readingCallerObjects } from "./configure.js";
import { loadBound, loadOutdated, runLoader, withTtl } from "./loads.js";
import { callOptions } from "./options.js";
import { backfill, parse, readAt } from "./read_path.js";
import { storedForm } from "./serializer.js";
import { elapsedClock } from "./timeout.js";
import { SET, setValue, storeWriteError, write } from "./write_path.js";

const WARM = ["concurrency", "onProgress"];

/** `warm` (see EdgeCache.warm): `{ total, warmed, skipped, failed, errors, elapsedMs }`. */
export async function warm(c, entries, options) {
  const list = readingCallerObjects(() => (entries == null || typeof entries[Symbol.iterator] !== "function" ? null : [...entries]), "E_ARGUMENT", "warm: entries");
  if (list === null) {
    fail("E_ARGUMENT", `warm: entries must be an iterable of { key, value } or { key, loader }, got ${typeName(entries)}`);
  }
  const { concurrency = 4, onProgress } = callOptions("warm", options, WARM);
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    fail("E_ARGUMENT", `warm: concurrency must be a whole number ≥ 1, got ${describe(concurrency)}`);
  }
  if (onProgress !== undefined && typeof onProgress !== "function") {
    fail("E_ARGUMENT", `warm: onProgress must be a function (done, total) => void, got ${typeName(onProgress)}`);
  }
  const report = { total: list.length, warmed: 0, skipped: 0, failed: 0, errors: [], elapsedMs: 0 };
  const started = elapsedClock();
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < list.length) {
      const entry = list[next++];
      try {
        report[(await warmOne(c, entry)) ? "warmed" : "skipped"]++;
      } catch (error) {
        report.failed++;
        report.errors.push({ key: entryKey(entry), error });
      }
      done++;
      try {
        onProgress?.(done, list.length);
      } catch {
        // A progress callback's failure must not stop the warming.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, list.length) }, worker));
  report.elapsedMs = elapsedClock() - started;
  return report;
}

/** Warms one entry; false when it was already fresh or a set or delete of it came in meanwhile. */
async function warmOne(c, entry) {
  const { key, value, loader, ...rest } = readOnce(entry, "E_ARGUMENT", "warm: each entry", "an object { key, value } or { key, loader }");
  const k = toStoredKey(key);
  if ((value === undefined) === (loader === undefined) || (loader !== undefined && typeof loader !== "function")) {
    fail("E_ARGUMENT", `warm: entry "${k}" needs exactly one of value or loader (a function)`);
  }
  const o = callOptions("warm entry", rest, SET);
  // A set or delete of the key while this entry is checked or loaded wins over it.
  const token = c.coordinator.begin(k);
  try {
    if ((await isFresh(c, k, token)) || token.dirty) return false;
    if (loader === undefined) {
      await setValue(c, k, value, o);
      return true;
    }
    return await warmLoad(c, k, loader, o, token);
  } finally {
    c.coordinator.end(k, token);
  }
}

/**
 * Loads a warm entry through the load flights (so a getOrSet of the key meanwhile shares
 * the load) and then waits for its store write, whose failure only `warm` reports.
 */
async function warmLoad(c, k, loader, o, token) {
  let written = null;
  let dropped = false;
  await c.coordinator.loads.run(k, loadBound(c, o), async () => {
    const { value, mark, loadMs, chosen } = await runLoader(c, k, loader, o);
    const form = storedForm(c, k, value);
    if (chosen.skipped || loadOutdated(c, token, o, mark)) {
      dropped = true;
      return form.stored;
    }
    const w = write(c, k, form, withTtl(o, chosen), loadMs, false);
    written = w === null ? null : w.then(() => null, (error) => ({ error }));
    return form.stored;
  });
  const failure = await written;
  if (failure) throw storeWriteError("warm", k, failure.error);
  return !dropped && !token.dirty;
}

/**
 * Whether `k` has a fresh value in memory or the store; a store hit is back-filled unless
 * `token` was superseded by a set or delete during the read.
 */
async function isFresh(c, k, token) {
  const now = c.now();
  const fresh = (e) => c.engine.plan(now, e.expires, e.staleUntil, e.errorUntil) === ReadPlan.Serve;
  const inMemory = c.memory?.peek(k);
  if (inMemory !== undefined && fresh(inMemory) && (inMemory.tags.length === 0 || (await c.tags.isCurrent(inMemory)))) {
    return true;
  }
  if (c.store === null) return false;
  const { storeKey, record } = await readAt(c, k);
  const entry = record ? parse(c, k, storeKey, record, token) : null;
  if (entry === null || !fresh(entry) || (entry.tags.length > 0 && !(await c.tags.isCurrent(entry)))) return false;
  if (c.coordinator.mayWriteBack(k, token)) backfill(c, k, entry, now);
  return true;
}

/** A warm entry's key for its report, if reading it does not throw. */
function entryKey(entry) {
  try {
    return entry?.key;
  } catch {
    return undefined;
  }
}
