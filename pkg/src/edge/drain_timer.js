// The write-behind queue's drain timer: one real timer at a time, handed to background work
// (and so to waitUntil) while armed. In workerd a timer dies with the request that armed it,
// so one found late is taken to be cancelled and armed again from the caller's request.
import { elapsedClock } from "./timeout.js";

/** How late the timer may be before it is taken to be cancelled (ms). */
export const LATE_TIMER_MS = 1_000;

/** One re-armable timer that runs `fire(target)` when due. */
export class DrainTimer {
  /** The armed timer: { at (elapsedClock ms), cancel } or null */
  #armed = null;
  #background;
  #fire;
  #clock;

  /**
   * @param {{ add(p: Promise<unknown>, boundMs: number): void }} background tracked work
   * @param {(target: number) => unknown} fire the drain, given the clock time it was due at
   * @param {() => number} clock the queue's clock
   */
  constructor(background, fire, clock) {
    this.#background = background;
    this.#fire = fire;
    this.#clock = clock;
  }

  /** Fires in `wait` ms (none when negative), unless the armed timer fires by then and is alive. */
  schedule(wait) {
    const armed = this.#armed;
    if (armed !== null) {
      const now = elapsedClock();
      if (wait >= 0 && armed.at <= now + wait && now < armed.at + LATE_TIMER_MS) return;
      this.cancel();
    }
    if (wait >= 0) this.#arm(wait);
  }

  /** Disarms the timer. */
  cancel() {
    this.#armed?.cancel();
    this.#armed = null;
  }

  #arm(ms) {
    const target = this.#clock() + ms;
    let armed;
    const fired = new Promise((resolve) => {
      const id = setTimeout(() => resolve(true), ms);
      armed = {
        at: elapsedClock() + ms,
        cancel: () => {
          clearTimeout(id);
          resolve(false);
        },
      };
    });
    this.#armed = armed;
    this.#background.add(
      fired.then((run) => {
        if (!run) return undefined;
        if (this.#armed === armed) this.#armed = null;
        return this.#fire(target);
      }),
      ms + LATE_TIMER_MS,
    );
  }
}
