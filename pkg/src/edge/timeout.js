// Abandoning a slow promise without leaving it to reject unhandled.

/** Thrown (internally) when a store call took longer than the timeout. */
export class TimeoutError extends Error {
  constructor(ms) {
    super(`store call took longer than ${ms} ms`);
    this.name = "TimeoutError";
  }
}

/** `promise`, or a rejection with TimeoutError after `ms` (0 = wait as long as it takes). */
export function withTimeout(promise, ms) {
  if (!(ms > 0)) return promise;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(ms)), ms);
  });
  promise.catch(() => {}); // abandoned on timeout: its later failure is nobody's
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Milliseconds of wall-clock time, for latency (the injected clock is for TTLs). */
export const elapsedClock =
  typeof performance !== "undefined" && typeof performance.now === "function"
    ? () => performance.now()
    : () => Date.now();
