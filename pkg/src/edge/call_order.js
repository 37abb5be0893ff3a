// One store write or delete per key at a time, so that the store ends with the last one
// asked for even where calls can overtake each other (HTTP stores) or a call the cache
// stopped waiting for (timeout) lands later.
import { unrefTimer } from "../clock.js";
import { elapsedClock, withTimeout } from "./timeout.js";

const ignore = () => {};

/**
 * Store calls of each key, one in flight at a time. A call asked for while one is in
 * flight waits as the key's `next`; a newer one replaces it and the callers of both share
 * its outcome (a hot key costs at most two calls in a row). A call unanswered for
 * `stuckMs` is taken to be lost and the next goes out; if the lost call lands after all,
 * the newest call is sent once more, so that it is still the last to land.
 */
export class CallOrder {
  /**
   * key -> `{ call, sentAt, next, timer, late, latest }`: the call in flight (null when
   * none), when it went out, the waiting call `{ send, promise, resolve, reject }`,
   * the timer that gives up on the call in flight, how many calls given up on have not
   * settled, and the newest `send` that went out.
   */
  #keys = new Map();
  #stuckMs;

  /** @param {number} stuckMs how long a call may go unanswered before it is taken to be lost */
  constructor(stuckMs) {
    this.#stuckMs = stuckMs;
  }

  /**
   * Calls `send()` for `key` now or once the key's call in flight is over; resolves or
   * rejects as the store call that carries it does, or rejects with `TimeoutError` after
   * `limitMs` (0: no limit). A caller that gives up does not stop the call.
   */
  run(key, send, limitMs) {
    const state = this.#keys.get(key) ?? this.#track(key);
    if (state.call !== null && elapsedClock() - state.sentAt >= this.#stuckMs) this.#giveUp(key, state);
    if (state.call === null) return withTimeout(this.#send(key, state, send), limitMs);
    if (state.next === null) {
      state.next = waiting();
      const call = state.call;
      const wait = Math.max(0, state.sentAt + this.#stuckMs - elapsedClock());
      state.timer = unrefTimer(setTimeout(() => state.call === call && this.#giveUp(key, state), wait));
    }
    // A caller that gives up does not withdraw the call: it still goes out when the call
    // in flight settles or is given up on (the timer, unref'd, ends by then).
    state.next.send = send;
    return withTimeout(state.next.promise, limitMs);
  }

  #track(key) {
    const state = { call: null, sentAt: 0, next: null, timer: null, late: 0, latest: null };
    this.#keys.set(key, state);
    return state;
  }

  #send(key, state, send) {
    const call = { send, late: false };
    state.call = call;
    state.sentAt = elapsedClock();
    state.latest = send;
    const sent = callNow(send);
    sent.then(
      () => this.#settled(key, state, call, true),
      () => this.#settled(key, state, call, false),
    );
    return sent;
  }

  /** The call in flight has gone unanswered too long: it is taken to be lost. */
  #giveUp(key, state) {
    state.call.late = true;
    state.late++;
    state.call = null;
    this.#sendNext(key, state);
  }

  #settled(key, state, call, ok) {
    if (call.late) {
      state.late--;
      // It landed after later calls went out: the newest that went out goes out again,
      // after them (unless a newer one waits to go out anyway).
      if (ok && state.next === null && state.latest !== call.send) this.run(key, state.latest, 0).catch(ignore);
      else this.#forgetIfIdle(key, state);
      return;
    }
    state.call = null;
    this.#sendNext(key, state);
  }

  #sendNext(key, state) {
    this.#stopTimer(state);
    const next = state.next;
    if (next === null) {
      this.#forgetIfIdle(key, state);
      return;
    }
    state.next = null;
    this.#send(key, state, next.send).then(next.resolve, next.reject);
  }

  #stopTimer(state) {
    if (state.timer === null) return;
    clearTimeout(state.timer);
    state.timer = null;
  }

  #forgetIfIdle(key, state) {
    if (state.call === null && state.next === null && state.late === 0 && this.#keys.get(key) === state) this.#keys.delete(key);
  }
}

/** A call waiting for its key: a promise with its resolve and reject. */
function waiting() {
  const w = { send: null };
  w.promise = new Promise((resolve, reject) => {
    w.resolve = resolve;
    w.reject = reject;
  });
  w.promise.catch(ignore); // its callers may all have given up
  return w;
}

/** `send()` as a promise, also when it throws before returning one. */
function callNow(send) {
  try {
    return Promise.resolve(send());
  } catch (error) {
    return Promise.reject(error);
  }
}
