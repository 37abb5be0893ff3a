// A tiny assertion helper that runs unchanged in Node, Deno, workerd and browsers.

/** Throws unless `cond` holds. */
export function ok(cond, message = "expected a truthy value") {
  if (!cond) throw new Error(message);
}

/** Throws unless `actual` and `expected` are the same (Object.is) or deep-equal as JSON. */
export function equal(actual, expected, message = "") {
  if (Object.is(actual, expected)) return;
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (typeof actual === "object" && a === e) return;
  throw new Error(`${message ? message + ": " : ""}expected ${e}, got ${a}`);
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
