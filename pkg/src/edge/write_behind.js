// Write-behind: with writeMode "behind", `set`/`delete` are accepted into a queue and written
// to the store in the background. The Rust WriteQueueEngine decides (coalescing, per-key
// order, when a batch goes out, retries and their backoff, dead letters, room); this class
// keeps the keys and values, sends the batches, and reports each write's result back.
import { WriteOutcome as Outcome, WriteQueueEngine } from "../../dist/edgecache.js";
import { plainOptions } from "../plain_options.js";
import { DEAD, settledWithin } from "./flight.js";
import { TimeoutError, elapsedClock } from "./timeout.js";

// The engine's codes, read from it when the first queue is made (the wasm module is not
// ready while this file is imported).
/** A delete where a value handle would be; also "nothing replaced". */
let NONE;
/** `accept`'s answer when the queue has no room for the key. */
let FULL;
/** The numbers per settled write in `complete`'s answer. */
let COMPLETION_LEN;
/** The names of the engine's stats numbers, in its order. */
let STATS;

function readCodes() {
  if (STATS !== undefined) return;
  NONE = WriteQueueEngine.noValue();
  FULL = WriteQueueEngine.full();
  COMPLETION_LEN = WriteQueueEngine.completionLength();
  STATS = WriteQueueEngine.statNames();
}
/**
 * Queued writes are not abandoned on `timeout`, only once a store call is taken to be lost
 * (then the queue retries or dead-letters it; if it lands after all, the store tier sends
 * the newest write of the key once more).
 */
const PATIENT = { patient: true };
/**
 * Most batches sent at once. A key has at most one write in flight (the engine holds its
 * next one back), so batches in flight together never share a key; a slow or hung store
 * call holds up only its own batch.
 */
const MAX_BATCHES_IN_FLIGHT = 4;
/**
 * How late the drain timer may be before it is taken to be cancelled (in workerd, with the
 * request that armed it) and armed again (ms).
 */
const LATE_TIMER_MS = 1_000;
const COUNTS = ["written", "deadLetters", "retries", "batches"];

/**
 * The write-behind queue of an EdgeCache. Options (`writeBehind`): `maxBatch` (1..1000,
 * default 25), `maxDelay` (ms, default 50), `maxQueue` (keys, 1..1e6, default 10 000),
 * `retries` (0..20, default 3), `retryDelay` (ms before the first retry, doubled for each
 * further one up to 30 s, jittered down by up to half; default 100).
 *
 * Time: decisions (ages, maxDelay, backoff) use `now()`, never moving backwards and never
 * behind the time a fired timer waited for (so a frozen or manual clock cannot stall the
 * queue); the waiting itself uses real timers.
 */
export class WriteBehind {
  #engine;
  #store;
  #emit;
  #background;
  #now;
  /** The engine's clock never goes back nor behind a fired timer's target. */
  #floor = -Infinity;
  /** storeKey -> key handle, for keys with a write held */
  #handles = new Map();
  /** key handle -> { storeKey, key, newest: { value, record, ttl } | null (a delete) } */
  #keys = [];
  #freeHandles = [];
  /** value handle -> { value, record, ttl } */
  #values = new Map();
  #lastValue;
  /** Writers waiting for room, in arrival order: { storeKey, key, entry, resolve } */
  #waiting = [];
  /** storeKey -> how many of #waiting are its writers */
  #waitingKeys = new Map();
  /** flush() calls waiting: { barrier, resolve } */
  #flushes = [];
  /** The armed drain timer: { at (real ms), cancel } or null */
  #timer = null;
  /**
   * Batches sent and not yet settled: batch -> deadline (real ms). One still unsettled past
   * its deadline was cancelled with its request (workerd): its writes are reported failed
   * (retried) and its late result, if any, ignored.
   */
  #sending = new Map();
  #batchBoundMs;

  /**
   * @param {{ options?: object, store: { write(storeKey, record, ttl, key, how): Promise<void>,
   *   remove(storeKey, key, how): Promise<void> },
   *   emit: (event: object) => void, background: { add(p: Promise<unknown>): void },
   *   now?: () => number, batchBoundMs?: number, seed?: number }} parts `batchBoundMs`: how
   *   long a batch's store calls may take at most (default: as long as they take); `seed`:
   *   of the retry spread (default: the platform's randomness)
   */
  constructor({ options, store, emit, background, now, batchBoundMs = Infinity, seed }) {
    readCodes();
    this.#lastValue = NONE;
    this.#batchBoundMs = batchBoundMs;
    this.#engine = new WriteQueueEngine(plainOptions(options, "EdgeCache writeBehind"), seed);
    this.#store = store;
    this.#emit = emit;
    this.#background = background;
    this.#now = now ?? Date.now;
  }

  /** Queues a store write of `record`; resolves once accepted (waits for room when full). */
  async set(storeKey, key, value, record, ttl) {
    await this.#whileDraining(this.#submit({ storeKey, key, entry: { value, record, ttl } }));
  }

  /** Queues a store delete; resolves once accepted (waits for room when full). */
  async delete(storeKey, key) {
    await this.#whileDraining(this.#submit({ storeKey, key, entry: null }));
  }

  /**
   * Resolves when every write accepted before the call is in the store or dead-lettered
   * (held writes go out without waiting for maxDelay; retries keep their backoff). Returns
   * what happened meanwhile: `{ written, deadLetters, retries, batches }`.
   */
  async flush() {
    const before = this.stats();
    const barrier = this.#engine.flush();
    if (!this.#engine.flushed(barrier)) {
      this.#schedule();
      await this.#whileDraining(new Promise((resolve) => this.#flushes.push({ barrier, resolve })));
    }
    const after = this.stats();
    return Object.fromEntries(COUNTS.map((name) => [name, after[name] - before[name]]));
  }

  /**
   * Frees the queue's wasm memory (EdgeCache.dispose, once flushed). A batch given up on
   * that settles later changes nothing.
   */
  dispose() {
    this.#timer?.cancel();
    this.#timer = null;
    this.#engine.free();
    this.#engine = null;
  }

  /** `{ depth, oldestAgeMs, batches, retries, deadLetters, written }` */
  stats() {
    const n = this.#engine.stats(this.#clock());
    return Object.fromEntries(STATS.map((name, i) => [name, n[i]]));
  }

  /**
   * The newest write for `storeKey` not yet known to be in the store (accepted or waiting
   * for room): `{ op: "set", value, record }`, `{ op: "delete" }`, or undefined. Reads use
   * it so that the store's older copy is never served while a write is pending.
   */
  pending(storeKey) {
    for (let i = this.#waitingKeys.has(storeKey) ? this.#waiting.length - 1 : -1; i >= 0; i--) {
      if (this.#waiting[i].storeKey === storeKey) return pendingWrite(this.#waiting[i].entry);
    }
    const handle = this.#handles.get(storeKey);
    return handle === undefined ? undefined : pendingWrite(this.#keys[handle].newest);
  }

  #clock() {
    const t = Math.max(this.#now(), this.#floor);
    this.#floor = t;
    return t;
  }

  /**
   * Accepts `w` now, or queues it behind earlier waiters until there is room. A write of a
   * key that already has a waiter always waits behind it (even though a key already queued
   * needs no room), so the key's writes keep their order: the last one asked for is the
   * one the store ends with.
   */
  #submit(w) {
    const mustWait = this.#waiting.length > 0 && (!this.#handles.has(w.storeKey) || this.#waitingKeys.has(w.storeKey));
    if (!mustWait && this.#accept(w)) {
      this.#schedule();
      return undefined;
    }
    this.#waitingKeys.set(w.storeKey, (this.#waitingKeys.get(w.storeKey) ?? 0) + 1);
    return new Promise((resolve) => this.#waiting.push({ ...w, resolve }));
  }

  /** Offers `w` to the engine; false when it has no room. */
  #accept({ storeKey, key, entry }) {
    let handle = this.#handles.get(storeKey);
    const fresh = handle === undefined;
    if (fresh) handle = this.#freeHandles.length > 0 ? this.#freeHandles[this.#freeHandles.length - 1] : this.#keys.length;
    const value = entry === null ? NONE : this.#valueHandle();
    const replaced = this.#engine.accept(handle, value, this.#clock());
    if (replaced === FULL) return false;
    if (fresh) {
      if (handle === this.#keys.length) this.#keys.push(null);
      else this.#freeHandles.pop();
      this.#handles.set(storeKey, handle);
      this.#keys[handle] = { storeKey, key, newest: entry };
    } else {
      this.#keys[handle].newest = entry;
    }
    if (value !== NONE) this.#values.set(value, entry);
    if (replaced !== NONE) this.#values.delete(replaced);
    return true;
  }

  /** A value handle not in use (0 .. FULL - 1). */
  #valueHandle() {
    do this.#lastValue = this.#lastValue >= FULL - 1 ? 0 : this.#lastValue + 1;
    while (this.#values.has(this.#lastValue));
    return this.#lastValue;
  }

  /**
   * Waits for `promise` (undefined: nothing to wait for), checking the drain every
   * LATE_TIMER_MS: the timer or batches it waits on may have been cancelled with the
   * request that started them (workerd), and are then re-armed from this caller's.
   */
  async #whileDraining(promise) {
    if (promise === undefined) return;
    while ((await settledWithin(promise, LATE_TIMER_MS)) === DEAD) this.#schedule();
  }

  /** Arms the drain timer for when the engine says the next batch is due. */
  #schedule() {
    this.#reap();
    if (this.#sending.size >= MAX_BATCHES_IN_FLIGHT) return; // a settling batch drains on
    const wait = this.#engine.nextDrainIn(this.#clock());
    const timer = this.#timer;
    if (timer !== null) {
      const now = elapsedClock();
      if (wait >= 0 && timer.at <= now + wait && now < timer.at + LATE_TIMER_MS) return;
      timer.cancel();
      this.#timer = null;
    }
    if (wait >= 0) this.#arm(wait);
  }

  /** A drain after `ms`, handed to `background` (and so to waitUntil) from now on. */
  #arm(ms) {
    const target = this.#clock() + ms;
    let timer;
    const fired = new Promise((resolve) => {
      const id = setTimeout(() => resolve(true), ms);
      timer = {
        at: elapsedClock() + ms,
        cancel: () => {
          clearTimeout(id);
          resolve(false);
        },
      };
    });
    this.#timer = timer;
    this.#background.add(
      fired.then((run) => {
        if (!run) return undefined;
        if (this.#timer === timer) this.#timer = null;
        this.#floor = Math.max(this.#floor, target);
        return this.#drain();
      }),
      ms + LATE_TIMER_MS,
    );
  }

  /** Reports the batches past their deadline as failed (see #sending). */
  #reap() {
    const now = elapsedClock();
    for (const [batch, deadline] of this.#sending) {
      if (deadline > now) continue;
      this.#sending.delete(batch);
      const handles = [];
      const errors = new Map();
      for (let i = 0; i < batch.length; i += 2) {
        handles.push(batch[i]);
        errors.set(batch[i], new TimeoutError(this.#batchBoundMs, "write-behind batch"));
      }
      this.#completed([], handles, errors);
    }
  }

  /**
   * Sends the batches that are due, up to MAX_BATCHES_IN_FLIGHT at once (each handed to
   * `background`); a batch that settles drains on. Then arms the timer for the next one.
   */
  #drain() {
    if (this.#engine === null) return; // disposed: a late batch settled
    while (this.#sending.size < MAX_BATCHES_IN_FLIGHT) {
      const batch = this.#engine.nextBatch(this.#clock());
      if (batch.length === 0) break;
      this.#sending.set(batch, elapsedClock() + this.#batchBoundMs);
      this.#background.add(this.#send(batch).finally(() => this.#drain()));
    }
    this.#schedule();
  }

  /** Sends one batch (pairs of key handle, value handle) and reports the results. */
  async #send(batch) {
    const handles = [];
    const jobs = [];
    for (let i = 0; i < batch.length; i += 2) {
      const k = this.#keys[batch[i]];
      const value = batch[i + 1];
      handles.push(batch[i]);
      if (value === NONE) {
        jobs.push(settle(() => this.#store.remove(k.storeKey, k.key, PATIENT)));
      } else {
        const { record, ttl } = this.#values.get(value);
        jobs.push(settle(() => this.#store.write(k.storeKey, record, ttl, k.key, PATIENT)));
      }
    }
    const results = await Promise.all(jobs);
    if (!this.#sending.delete(batch)) return; // reaped: reported failed already
    const ok = [];
    const failed = [];
    const errors = new Map();
    results.forEach((error, i) => {
      if (error === null) ok.push(handles[i]);
      else {
        failed.push(handles[i]);
        errors.set(handles[i], error.reason);
      }
    });
    this.#completed(ok, failed, errors);
  }

  /** Reports settled writes (key handles) to the engine and acts on its answer. */
  #completed(ok, failed, errors) {
    const done = this.#engine.complete(Uint32Array.from(ok), Uint32Array.from(failed), this.#clock());
    for (let i = 0; i < done.length; i += COMPLETION_LEN) {
      this.#settled(done[i], done[i + 1], done[i + 2], done[i + 3], done[i + 4] === 1, errors);
    }
    this.#wake();
    this.#flushes = this.#flushes.filter((f) => {
      if (!this.#engine.flushed(f.barrier)) return true;
      f.resolve();
      return false;
    });
  }

  /** Acts on one settled write. */
  #settled(handle, outcome, value, attempts, idle, errors) {
    const k = this.#keys[handle];
    const entry = value === NONE ? null : this.#values.get(value);
    if (outcome !== Outcome.Retry && value !== NONE) this.#values.delete(value);
    if (outcome === Outcome.DeadLetter) {
      const event = { type: "dead-letter", key: k.key, value: entry?.value, op: entry === null ? "delete" : "set", error: errors.get(handle), attempts };
      try {
        this.#emit(event);
      } catch {
        // A failing event handler must not break the queue.
      }
    }
    if (idle) {
      this.#handles.delete(k.storeKey);
      this.#keys[handle] = null;
      this.#freeHandles.push(handle);
    }
  }

  /**
   * Accepts waiting writers, in arrival order, while there is room (the first that finds
   * none keeps its place and every later one waits behind it).
   */
  #wake() {
    let n = 0;
    while (n < this.#waiting.length && this.#accept(this.#waiting[n])) n++;
    for (const w of this.#waiting.splice(0, n)) {
      this.#unwait(w.storeKey);
      w.resolve();
    }
  }

  /** One writer of `storeKey` stopped waiting. */
  #unwait(storeKey) {
    const n = this.#waitingKeys.get(storeKey) - 1;
    if (n > 0) this.#waitingKeys.set(storeKey, n);
    else this.#waitingKeys.delete(storeKey);
  }
}

/** Runs a store call; resolves to null (done) or `{ reason }` (failed), never rejects. */
function settle(call) {
  return Promise.resolve()
    .then(call)
    .then(
      () => null,
      (reason) => ({ reason }),
    );
}

function pendingWrite(entry) {
  return entry === null ? { op: "delete" } : { op: "set", value: entry.value, record: entry.record };
}
