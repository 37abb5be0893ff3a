// Abandoning a slow promise without leaving it to reject unhandled.

/** Thrown when a store call (internally) or a loader took longer than its time limit. */
export class TimeoutError extends Error {
  /**
   * @param {number} ms the limit
   * @param {string} what what was called ("store call", "loader")
   */
  constructor(ms, what = "store call") {
    super(`${what} took longer than ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** Whether a store's or loader's failure is our TimeoutError (false for a hostile Proxy). */
export function isTimeout(error) {
  try {
    return error instanceof TimeoutError;
  } catch {
    return false;
  }
}

/**
 * `promise`, or a rejection with TimeoutError after `ms` (0 = wait as long as it takes);
 * `what` names the call in the error's message.
 */
export function withTimeout(promise, ms, what) {
  if (!(ms > 0)) return promise;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms, what)), ms);
  });
  promise.catch(() => {}); // abandoned on timeout: its later failure is nobody's
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Milliseconds of wall-clock time, for latency (the injected clock is for TTLs). */
export const elapsedClock =
  typeof performance !== "undefined" && typeof performance.now === "function"
    ? () => performance.now()
    : () => Date.now();
