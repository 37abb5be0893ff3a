// The demo's simulated clock. It is the cache's `now` (TTLs, the stats window, breaker
// cool-downs) and times the database's queries, running `1 / scale` times as fast as the
// wall clock: at 0.1× a 3.8 s request takes 0.38 s of real time. The scale is fixed for
// the page's life (`?scale=0.1`), so every figure shown is in simulated time.

/** Simulated milliseconds: `scale` real ms per simulated ms; `advance` jumps ahead. */
export class SimClock {
  #scale;
  #base = Date.now();
  #realBase = performance.now();

  /** @param {number} scale real time per simulated time (1, 0.1, ...) */
  constructor(scale) {
    this.#scale = scale;
  }

  get scale() {
    return this.#scale;
  }

  /** The simulated time (ms since the epoch), for `EdgeCache({ now })`. */
  now = () => this.#base + (performance.now() - this.#realBase) / this.#scale;

  /** Moves the simulated time `ms` ahead at once (entries expire, breakers cool down). */
  advance(ms) {
    this.#base += ms;
  }

  /**
   * Resolves once the simulated time reaches `t`. Waiting for a deadline rather than for a
   * duration keeps timer lateness from adding up over consecutive waits (at 0.1× each
   * real millisecond late is ten simulated ones).
   */
  async until(t) {
    for (let left = t - this.now(); left > 0; left = t - this.now()) {
      await new Promise((resolve) => setTimeout(resolve, left * this.#scale));
    }
  }

  /** Real (wall-clock) milliseconds as simulated ones. */
  simulated(realMs) {
    return realMs / this.#scale;
  }
}

/** The time scale the page was opened with: `?scale=0.1`, else 1. */
export function scaleFromUrl(search = location.search) {
  const scale = Number(new URLSearchParams(search).get("scale") ?? 1);
  return scale > 0 && scale <= 1 ? scale : 1;
}
