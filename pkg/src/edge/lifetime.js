// An EdgeCache's calls in progress and its disposal: `dispose()` lets the running calls
// end (each is bounded, see README "Every promise settles") before it frees anything, and
// refuses calls made from then on.
import { failDisposed } from "../errors.js";

/** The public calls of one cache that are running, and whether it is being disposed. */
export class Lifetime {
  #running = 0;
  /** Resolvers of `close()` waiting for the running calls to end. */
  #idle = [];
  #closed = false;

  /** Throws `E_DISPOSED` (naming `what`, e.g. "get") once `close()` was called. */
  check(what) {
    if (this.#closed) failDisposed(`EdgeCache.${what}`);
  }

  /** A call `what` starts (see `check`); pair with `leave()`. */
  enter(what) {
    this.check(what);
    this.#running++;
  }

  /** A call that entered has ended. */
  leave() {
    if (--this.#running === 0 && this.#idle.length > 0) this.#idle.splice(0).forEach((resolve) => resolve());
  }

  /** Runs the call `what` (`run()`, a promise) between `enter` and `leave`. */
  async run(what, run) {
    this.enter(what);
    try {
      return await run();
    } finally {
      this.leave();
    }
  }

  /** No call starts from now on; resolves once the running ones have ended. */
  close() {
    this.#closed = true;
    return this.#running === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }
}
