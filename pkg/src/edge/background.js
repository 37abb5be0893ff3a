// Background work (refreshes, back-fills, store writes): always tracked so flush() can
// await it, handed to waitUntil when given, and never left to reject unhandled.

/** A set of running background promises. */
export class Background {
  #running = new Set();
  #waitUntil;
  #onError;
  #settled = 0;
  #failed = 0;

  /**
   * @param {((p: Promise<unknown>) => void) | undefined} waitUntil the platform's hook
   * @param {(error: unknown, fromTask: boolean) => void} onError reports a failure (never
   *   throws): of a task (`fromTask`), or of the `waitUntil` call that handed one over
   */
  constructor(waitUntil, onError) {
    this.#waitUntil = waitUntil;
    this.#onError = onError;
  }

  /** Runs `task` (a promise) in the background. */
  add(task) {
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
    this.#running.add(tracked);
    try {
      this.#waitUntil?.(tracked);
    } catch (error) {
      // e.g. a request's ctx.waitUntil called after that request ended: the work still
      // runs and flush() still awaits it; the caller's operation must not fail for it.
      this.#onError(error, false);
    }
  }

  /** Resolves when everything started before or during the wait has settled. */
  async drain() {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
    return { settled: this.#settled, failed: this.#failed };
  }
}
