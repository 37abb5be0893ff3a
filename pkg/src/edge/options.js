// Per-call options of EdgeCache methods: names, types and ranges, checked before any work
// (a loader is never called for a call that then fails on its options).
import { describe, fail, typeName } from "../errors.js";
import { loneSurrogateAt } from "../keys.js";
import { readOnce } from "../plain_options.js";

/**
 * Checks `options` of `method` against the `allowed` names and returns a snapshot of them
 * (or {}): the call goes on with these values even if the caller changes its object or
 * tags array meanwhile. ttl a finite number > 0, staleWhileRevalidate / staleIfError
 * finite numbers ≥ 0 (ms), loaderTimeout a finite number > 0 (ms), tags an array of non-empty well-formed strings, forceRefresh a
 * boolean.
 */
export function callOptions(method, options, allowed) {
  if (options === undefined) return NO_OPTIONS;
  const o = readOnce(options, "E_ARGUMENT", `${method}: options`, "an object such as { ttl: 60000 }");
  for (const name in o) {
    if (!allowed.includes(name)) {
      fail("E_ARGUMENT", `${method}: unknown option "${name}"; the options are ${allowed.join(", ")}`);
    }
  }
  for (const name of ["ttl", "staleWhileRevalidate", "staleIfError", "loaderTimeout"]) {
    const v = o[name];
    if (v === undefined) continue;
    const zeroOk = name !== "ttl" && name !== "loaderTimeout";
    const timer = name === "loaderTimeout"; // waited for by a timer, which can wait MAX_TIMER_MS
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (v === 0 && !zeroOk) || (timer && v > MAX_TIMER_MS)) {
      const range = zeroOk ? "0 or more" : timer ? `greater than 0 and at most ${MAX_TIMER_MS}` : "greater than 0";
      fail("E_ARGUMENT", `${method}: ${name} must be a finite number of milliseconds, ${range}; got ${typeName(v)} ${describe(v)}`);
    }
  }
  if (o.tags !== undefined) o.tags = checkTags(method, o.tags);
  if (o.forceRefresh !== undefined && typeof o.forceRefresh !== "boolean") {
    fail("E_ARGUMENT", `${method}: forceRefresh must be true or false, got ${typeName(o.forceRefresh)}`);
  }
  return o;
}

/** `ttl` as the option `ttl` takes it (a finite number of ms > 0), else E_ARGUMENT naming `what`. */
export function checkTtl(what, ttl) {
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0) {
    fail("E_ARGUMENT", `${what} must be a finite number of milliseconds, greater than 0; got ${typeName(ttl)} ${describe(ttl)}`);
  }
  return ttl;
}

/** The options of a call that gives none. */
export const NO_OPTIONS = Object.freeze({});
/** The longest wait a timer takes (ms): `setTimeout` treats more as 1 ms. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A copy of a tags array (a Proxy's traps run here, once), or null for anything else. */
function copyTags(method, tags) {
  try {
    return Array.isArray(tags) ? [...tags] : null;
  } catch (error) {
    fail("E_ARGUMENT", `${method}: reading tags threw (${describe(error)}); pass an array of strings`);
  }
}

/**
 * A copy of a list of tags, checked: an array of non-empty, well-formed strings (tags are
 * stored). The caller may change its array afterwards.
 */
export function checkTags(method, given) {
  const tags = copyTags(method, given);
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string" || t.length === 0)) {
    fail("E_ARGUMENT", `${method}: tags must be an array of non-empty strings such as ["user:123"]`);
  }
  const broken = tags.find((t) => loneSurrogateAt(t) >= 0);
  if (broken !== undefined) {
    fail("E_ARGUMENT", `${method}: tag ${JSON.stringify(broken)} has half of a UTF-16 surrogate pair, which a store cannot tell apart from other such tags: pass well-formed text`);
  }
  return tags;
}
