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

/** Names a value's type for error messages. */
export function typeName(value) {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Throws `E_DISPOSED` for a call `what` (e.g. "MemoryCache.get") made after `dispose()`. */
export function failDisposed(what) {
  fail("E_DISPOSED", `${what}: the cache was disposed (its memory is freed); make a new one`);
}
