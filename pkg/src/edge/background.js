// Background work (refreshes, back-fills, store writes): always tracked so flush() can
// await it, handed to waitUntil when given, and never left to reject unhandled. Each task
// has a deadline by which it settles if its request is alive: in workerd a task whose
// request ended without waitUntil is cancelled and never settles, and flush() must not
// wait for it for ever (see flight.js).
import { settledWithin } from "./flight.js";
import { elapsedClock } from "./timeout.js";

/** A set of running background promises. */
export class Background {
  /** tracked promise -> deadline (elapsedClock ms) */
  #running = new Map();
  #waitUntil;
  #onError;
  #boundMs;
  #settled = 0;
  #failed = 0;
  #abandoned = 0;

  /**
   * @param {((p: Promise<unknown>) => void) | undefined} waitUntil the platform's hook
   * @param {(error: unknown, fromTask: boolean) => void} onError reports a failure (never
   *   throws): of a task (`fromTask`), or of the `waitUntil` call that handed one over
   * @param {number} boundMs how long a task may run at most, unless `add` says otherwise
   */
  constructor(waitUntil, onError, boundMs) {
    this.#waitUntil = waitUntil;
    this.#onError = onError;
    this.#boundMs = boundMs;
  }

  /** Runs `task` (a promise) in the background; it settles within `boundMs` if alive. */
  add(task, boundMs = this.#boundMs) {
    const tracked = Promise.resolve(task)
      .then(
        () => {},
        (error) => {
          this.#failed++;
          this.#onError(error, true);
        },
      )
      .finally(() => {
        this.#settled++;
        this.#running.delete(tracked);
      });
    this.#running.set(tracked, elapsedClock() + boundMs);
    try {
      this.#waitUntil?.(tracked);
    } catch (error) {
      // e.g. a request's ctx.waitUntil called after that request ended: the work still
      // runs and flush() still awaits it; the caller's operation must not fail for it.
      this.#onError(error, false);
    }
  }

  /**
   * Resolves when everything started before or during the wait has settled, or is past
   * its deadline (then it is taken to be cancelled with its request, and forgotten).
   * `{ settled, failed, abandoned }` since the cache was made.
   */
  async drain() {
    for (;;) {
      const now = elapsedClock();
      let last = now;
      for (const [task, deadline] of this.#running) {
        if (deadline > now) last = Math.max(last, deadline);
        else {
          this.#running.delete(task);
          this.#abandoned++;
        }
      }
      if (this.#running.size === 0) break;
      await settledWithin(Promise.all(this.#running.keys()), last - now);
    }
    return { settled: this.#settled, failed: this.#failed, abandoned: this.#abandoned };
  }
}
