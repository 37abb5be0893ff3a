import { describe, fail, typeName } from "./errors.js";

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
    unrefTimer(setTimeout(expire, 1));
  }
  return cached;
}

/**
 * Lets the process exit while `timer` is pending (Node's `unref`, Deno's `unrefTimer`;
 * nothing elsewhere). Returns the timer.
 */
export function unrefTimer(timer) {
  if (typeof timer === "object" && typeof timer?.unref === "function") timer.unref();
  else if (typeof Deno !== "undefined" && typeof timer === "number") Deno.unrefTimer(timer);
  return timer;
}

let cached;

function expire() {
  cached = undefined;
}

/**
 * A caller's clock `now`, checked on every call (a clock that returns NaN would silently
 * break TTLs): `E_CONFIG` names `owner`. Anything but a function is returned as is, for
 * the engine's option check to report.
 * @param {unknown} now
 * @param {string} owner the class whose option it is
 */
export function checkedClock(now, owner) {
  if (typeof now !== "function" || CHECKED.has(now)) return now;
  const checked = () => {
    const t = now();
    if (typeof t !== "number" || !Number.isFinite(t)) {
      fail("E_CONFIG", `${owner}: now() must return a finite number of milliseconds, got ${typeName(t)} ${describe(t)}`);
    }
    return t;
  };
  CHECKED.add(checked);
  return checked;
}

/** Clocks `checkedClock` made: passed on (EdgeCache to its memory tier), not wrapped twice. */
const CHECKED = new WeakSet();
