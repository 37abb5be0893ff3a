// Helpers shared by the EdgeCache case lists: a cache over the seeded fault wrapper,
// stores whose calls a hook slows down or fails, rejection checks and timer ticks.
import { equal, ok } from "./check.mjs";
import { faulty } from "../support/faulty_store.mjs";

/** An EdgeCache over the in-process store behind the fault wrapper, with a manual clock. */
export function setup(lib, options = {}, storeOptions = {}) {
  const clock = { t: 1_000_000 };
  const now = () => clock.t;
  const base = lib.stores.memory({ now });
  const store = faulty(base, { seed: 1, ...storeOptions });
  const make = (more = {}) => new lib.EdgeCache({ store, now, ttl: 1000, ...options, ...more });
  return { clock, store, base, cache: make(), make };
}

/** The error of an EdgeCacheError rejection with `code` (fails the case otherwise). */
export async function rejectsCode(promise, code, EdgeCacheError, what) {
  try {
    await promise;
  } catch (e) {
    ok(e instanceof EdgeCacheError, `${what}: expected EdgeCacheError, got ${e}`);
    equal(e.code, code, `${what}: code (${e.message})`);
    return e;
  }
  throw new Error(`${what}: expected ${code}`);
}

/**
 * The same check in the form the hostile-run cases were written with: it waits for the
 * promise to settle, then asserts, and returns nothing. Those cases import it as `rejectsCode`.
 */
export async function rejectsCodeSettled(promise, code, EdgeCacheError, what) {
  let error = null;
  try {
    await promise;
  } catch (e) {
    error = e;
  }
  ok(error instanceof EdgeCacheError, `${what}: expected an EdgeCacheError, got ${error}`);
  equal(error.code, code, `${what}: code (${error.message})`);
}

/** The error `promise` rejects with (fails the case when it fulfils). */
export async function rejection(promise, what) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`${what}: expected a rejection`);
}

/** A promise that never settles (a loader or a store call that never answers). */
export const never = () => new Promise(() => {});

/** One turn of the timer queue. */
export const tick = () => new Promise((r) => setTimeout(r, 0));

/** A wait of `ms` of real time (store latency, never a TTL). */
export const pause = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * An in-process store whose calls a hook can slow down or fail: `hook(op, key)` returns
 * `{ delay, fail, early }` (early: read the value first, then wait).
 */
export function hooked(lib, now, name = "s") {
  const inner = lib.stores.memory({ now });
  const ctl = { hook: null, calls: 0 };
  const run = async (op, key, call) => {
    ctl.calls++;
    const h = ctl.hook?.(op, key) ?? {};
    if (h.early) {
      const result = await call();
      await pause(h.delay ?? 0);
      return result;
    }
    if (h.delay) await pause(h.delay);
    if (h.fail) throw new Error(`${name} ${op} failed`);
    return call();
  };
  const store = {
    name,
    limits: inner.limits,
    get: (k) => run("get", k, () => inner.get(k)),
    set: (k, v, o) => run("set", k, () => inner.set(k, v, o)),
    delete: (k) => run("delete", k, () => inner.delete(k)),
    getMany: (ks) => run("getMany", ks.join(","), () => inner.getMany(ks)),
  };
  return { store, ctl, inner };
}

/** The value in a stored record, or null. */
export async function stored(inner, storeKey) {
  const record = await inner.get(storeKey);
  return record === null ? null : JSON.parse(record.slice(record.indexOf("\n") + 1));
}

/** The value another cache over `store` reads (memory off): what the store holds. */
export async function inStore(lib, store, key, options = {}) {
  return new lib.EdgeCache({ store, memory: false, ...options }).get(key);
}
