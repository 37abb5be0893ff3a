// Per-call options of EdgeCache methods: names, types and ranges, checked before any work
// (a loader is never called for a call that then fails on its options).
import { fail, typeName } from "../errors.js";
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
  if (options === undefined) return EMPTY;
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
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (v === 0 && !zeroOk)) {
      const range = zeroOk ? "0 or more" : "greater than 0";
      fail("E_ARGUMENT", `${method}: ${name} must be a finite number of milliseconds, ${range}; got ${typeName(v)} ${String(v)}`);
    }
  }
  if (o.tags !== undefined) o.tags = checkTags(method, copyTags(method, o.tags));
  if (o.forceRefresh !== undefined && typeof o.forceRefresh !== "boolean") {
    fail("E_ARGUMENT", `${method}: forceRefresh must be true or false, got ${typeName(o.forceRefresh)}`);
  }
  return o;
}

const EMPTY = Object.freeze({});

/** A copy of a tags array (a Proxy's traps run here, once), or the value as it is. */
function copyTags(method, tags) {
  try {
    return Array.isArray(tags) ? [...tags] : tags;
  } catch (error) {
    fail("E_ARGUMENT", `${method}: reading tags threw (${error?.message ?? String(error)}); pass an array of strings`);
  }
}

/** Checks a list of tags: an array of non-empty, well-formed strings (tags are stored). */
export function checkTags(method, tags) {
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== "string" || t.length === 0)) {
    fail("E_ARGUMENT", `${method}: tags must be an array of non-empty strings such as ["user:123"]`);
  }
  const broken = tags.find((t) => loneSurrogateAt(t) >= 0);
  if (broken !== undefined) {
    fail("E_ARGUMENT", `${method}: tag ${JSON.stringify(broken)} has half of a UTF-16 surrogate pair, which a store cannot tell apart from other such tags: pass well-formed text`);
  }
  return tags;
}
