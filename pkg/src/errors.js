/**
 * The one error class of edgecache. `code` is stable (E_CONFIG, E_KEY, E_VALUE,
 * E_ARGUMENT, ...); the message says how to fix the call.
 */
export class EdgeCacheError extends Error {
  /**
   * @param {string} code stable error code
   * @param {string} message what went wrong and how to fix it
   * @param {{ cause?: unknown }} [options] the underlying error, if any
   */
  constructor(code, message, options) {
    super(message, options);
    this.name = "EdgeCacheError";
    this.code = code;
  }
}

/** Throws an `EdgeCacheError` with `code` and `message`. */
export function fail(code, message) {
  throw new EdgeCacheError(code, message);
}

/** Names a value's type for error messages (never throws, even for a revoked Proxy). */
export function typeName(value) {
  if (value === null) return "null";
  try {
    if (Array.isArray(value)) return "array";
  } catch {
    return "revoked proxy";
  }
  return typeof value;
}

/**
 * A thrown (or rejected) value as text for a message: its `message` when it has one, else
 * its string form. Never throws, whatever the caller threw (a Proxy, an object without a
 * prototype, a throwing `message` getter).
 */
export function describe(error) {
  try {
    const message = error?.message;
    if (typeof message === "string") return message;
  } catch {
    // a throwing getter: fall through
  }
  try {
    return String(error);
  } catch {
    return `a thrown ${typeName(error)}`;
  }
}

/** Whether `error` is an EdgeCacheError (false, not a throw, for a hostile Proxy). */
export function isEdgeCacheError(error) {
  try {
    return error instanceof EdgeCacheError;
  } catch {
    return false;
  }
}

/** Throws `E_DISPOSED` for a call `what` (e.g. "MemoryCache.get") made after `dispose()`. */
export function failDisposed(what) {
  fail("E_DISPOSED", `${what}: the cache was disposed (its memory is freed); make a new one`);
}
