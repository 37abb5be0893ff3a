import { EdgeCacheError, describe, fail, isEdgeCacheError, typeName } from "./errors.js";

/** Longest key accepted, in UTF-16 code units (after joining array parts). */
export const MAX_KEY_LENGTH = 4096;

/**
 * Turns a caller's key into the string edgecache stores: a non-empty string as is, or an
 * array of string / finite number parts joined with ":". Throws `E_KEY` otherwise.
 * @param {unknown} key
 * @returns {string}
 */
export function toKey(key) {
  if (typeof key === "string" && key.length !== 0 && key.length <= MAX_KEY_LENGTH) return key;
  return checkedKey(key);
}

function checkedKey(key) {
  try {
    return checkedKeyParts(key);
  } catch (error) {
    if (isEdgeCacheError(error)) throw error;
    // A Proxy (or a revoked one) whose traps throw, or a part whose conversion throws.
    throw new EdgeCacheError("E_KEY", `key: reading it threw (${describe(error)}); pass a string or an array of string / number parts`, { cause: error });
  }
}

function checkedKeyParts(key) {
  if (Array.isArray(key)) {
    if (key.length === 0) fail("E_KEY", "key: an array key needs at least one part, e.g. [\"user\", 123]");
    for (const part of key) {
      const ok = typeof part === "string" || (typeof part === "number" && Number.isFinite(part));
      if (!ok) {
        fail("E_KEY", `key: array parts must be strings or finite numbers, got ${typeName(part)} ${String(part)}`);
      }
    }
    return checkedKeyParts(key.map(escapePart).join(":"));
  }
  if (typeof key !== "string") {
    fail("E_KEY", `key must be a string or an array of parts such as ["user", 123], got ${typeName(key)}`);
  }
  if (key.length === 0) fail("E_KEY", "key must not be empty");
  if (key.length > MAX_KEY_LENGTH) {
    fail("E_KEY", `key is ${key.length} characters long; the limit is ${MAX_KEY_LENGTH}: hash long keys before caching`);
  }
  return key;
}

/**
 * An array key's part as it goes into the joined key: a string's `\` and `:` escaped with
 * `\`, so that `["a:b", "c"]` (`a\:b:c`) and `["a", "b:c"]` (`a:b\:c`) stay two keys.
 */
function escapePart(part) {
  if (typeof part !== "string" || (part.indexOf(":") < 0 && part.indexOf("\\") < 0)) return String(part);
  return part.replace(/[\\:]/g, "\\$&");
}

/** A lone surrogate: half of a UTF-16 pair, which has no UTF-8 form. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/**
 * Index of the first lone surrogate in `text`, or -1. Text that leaves the isolate (store
 * keys, record headers) is UTF-8, where every lone surrogate becomes U+FFFD: two keys
 * that differ only there would share one record.
 * @param {string} text
 */
export function loneSurrogateAt(text) {
  return WELL_FORMED !== undefined && WELL_FORMED.call(text) ? -1 : text.search(LONE_SURROGATE);
}

/** `String.prototype.isWellFormed` where the runtime has it (a fast path: no regex). */
const WELL_FORMED = String.prototype.isWellFormed;

/**
 * `toKey` for a key that is stored outside the isolate: also refuses a lone surrogate
 * (see `loneSurrogateAt`), so that no two keys can share a store record.
 * @param {unknown} key
 * @returns {string}
 */
export function toStoredKey(key) {
  const k = toKey(key);
  const at = loneSurrogateAt(k);
  if (at >= 0) {
    fail("E_KEY", `key has half of a UTF-16 surrogate pair at index ${at}, which a store cannot tell apart from other such keys: pass well-formed text (a slice may have cut an emoji in two)`);
  }
  return k;
}

/**
 * 32-bit FNV-1a hash of a key's UTF-16 code units: the key identity a frequency-counting
 * policy remembers across evictions.
 * @param {string} key
 */
export function keyHash(key) {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}
