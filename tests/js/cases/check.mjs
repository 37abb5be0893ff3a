// A tiny assertion helper that runs unchanged in Node, Deno, workerd and browsers.

/** Throws unless `cond` holds. */
export function ok(cond, message = "expected a truthy value") {
  if (!cond) throw new Error(message);
}

/** Throws unless `actual` and `expected` are deeply equal (primitives by Object.is). */
export function equal(actual, expected, message = "") {
  if (deepEqual(actual, expected)) return;
  throw new Error(`${message ? message + ": " : ""}expected ${show(expected)}, got ${show(actual)}`);
}

function deepEqual(a, b) {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
}

function show(v) {
  return typeof v === "number" || v === undefined ? String(v) : JSON.stringify(v);
}

/** Throws unless `fn` throws an EdgeCacheError with `code`; returns the error. */
export function throwsCode(fn, code, EdgeCacheError, message = "") {
  try {
    fn();
  } catch (e) {
    ok(e instanceof EdgeCacheError, `${message}: expected an EdgeCacheError, got ${e}`);
    ok(e instanceof Error, `${message}: EdgeCacheError must extend Error`);
    equal(e.code, code, `${message}: error code (${e.message})`);
    ok(typeof e.message === "string" && e.message.length > 10, `${message}: message says how to fix`);
    return e;
  }
  throw new Error(`${message}: expected ${code} to be thrown`);
}

/** A seeded pseudo-random generator (mulberry32): `next()` in [0, 1). */
export function seeded(seed) {
  let a = seed >>> 0;
  return {
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
    int(n) {
      return Math.floor(this.next() * n);
    },
  };
}
