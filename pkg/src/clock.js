/**
 * The default clock: `Date.now()`, read at most once per timer tick. Reading the system
 * clock costs more than a whole cache hit, so the value is cached until a 1 ms timer
 * clears it (the same trade `lru-cache` makes with its `ttlResolution`). During one
 * long synchronous run the time stands still, as it does in Workers between I/O.
 * @returns {number}
 */
export function coarseNow() {
  if (cached === undefined) {
    cached = Date.now();
    const timer = setTimeout(expire, 1);
    if (typeof timer === "object" && typeof timer?.unref === "function") timer.unref();
    else if (typeof Deno !== "undefined" && typeof timer === "number") Deno.unrefTimer(timer);
  }
  return cached;
}

let cached;

function expire() {
  cached = undefined;
}
