// Single flight: concurrent callers of one operation on one key share its promise, but no
// caller waits for one that can no longer settle.
//
// Why: in workerd, a request's I/O and timers are cancelled when it ends, so a promise it
// started may never settle, and a caller in a later request that joined it would hang.
// Each running operation therefore beats a heartbeat (a timer of its own request) and has
// a deadline (its bound: store `timeout`s, `loaderTimeout`). A joiner checks on it with
// timers of its own: an operation whose heartbeat stopped, or still running past its
// deadline, is taken to be dead; the joiner replaces it with its own, started from its own
// request, and later callers join that one. Among requests alive at the same time, single
// flight is kept.
import { unrefTimer } from "../clock.js";
import { elapsedClock } from "./timeout.js";

/** How often a running operation beats (ms). */
const BEAT_MS = 200;
/** Silence after which a running operation is taken to be cancelled (ms). */
const SILENT_MS = 5 * BEAT_MS;

/** Operations running per key. */
export class Flights {
  /** key -> { promise, deadline, beat } (elapsedClock ms) */
  #running = new Map();

  /** Whether an operation for `key` is running and alive. */
  has(key) {
    const running = this.#running.get(key);
    return running !== undefined && alive(running);
  }

  /** Forgets the running operation of `key` (a `set` supersedes it); later calls start anew. */
  delete(key) {
    this.#running.delete(key);
  }

  /** Forgets every running operation (a `clear` supersedes them). */
  clear() {
    this.#running.clear();
  }

  /**
   * Joins the running operation for `key`, or starts one with `start()` that settles
   * within `boundMs` if its request stays alive. A joiner of an operation found dead runs
   * its own (see the file's comment).
   */
  run(key, boundMs, start) {
    const running = this.#running.get(key);
    if (running === undefined || !alive(running)) return this.#start(key, boundMs, start);
    return whileAlive(running).then((outcome) => {
      if (outcome !== DEAD) return outcome.value;
      // Dead: replaced once, by the first joiner to see it; the others join the new one.
      return this.#running.get(key) === running ? this.#start(key, boundMs, start) : this.run(key, boundMs, start);
    });
  }

  #start(key, boundMs, start) {
    const now = elapsedClock();
    const running = { promise: null, deadline: now + boundMs, beat: now };
    let timer = null;
    const beat = () => {
      running.beat = elapsedClock();
      timer = unrefTimer(setTimeout(beat, BEAT_MS));
    };
    timer = unrefTimer(setTimeout(beat, BEAT_MS));
    running.promise = start().finally(() => {
      clearTimeout(timer);
      if (this.#running.get(key) === running) this.#running.delete(key);
    });
    this.#running.set(key, running);
    return running.promise;
  }
}

/** Whether a running operation still beats and is inside its deadline. */
function alive(running) {
  const now = elapsedClock();
  return now < running.deadline && now - running.beat < SILENT_MS;
}

/** `{ value }` once `running` fulfils, DEAD once it is found dead; rejects as it does. */
function whileAlive(running) {
  return settledWithin(running.promise, BEAT_MS).then((outcome) => (outcome !== DEAD || !alive(running) ? outcome : whileAlive(running)));
}

/** The outcome of a promise that did not settle in time. */
export const DEAD = Symbol("dead");

/**
 * `{ value }` when `promise` fulfils within `ms` (measured by this caller's own timer), DEAD
 * when it has not settled by then; rejects as `promise` does within `ms`.
 */
export function settledWithin(promise, ms) {
  let timer;
  const late = new Promise((resolve) => {
    timer = unrefTimer(setTimeout(() => resolve(DEAD), ms));
  });
  return Promise.race([promise.then((value) => ({ value })), late]).finally(() => clearTimeout(timer));
}
