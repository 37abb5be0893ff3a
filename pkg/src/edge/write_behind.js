// Write-behind: with writeMode "behind", `set`/`delete` are accepted into a queue and written
// to the store in the background. The Rust WriteQueueEngine decides (coalescing, per-key
// order, when a batch goes out, retries and their backoff, dead letters, room); this class
// keeps the keys and values, sends the batches, and reports each write's result back.
import { WriteOutcome as Outcome, WriteQueueEngine } from "../../dist/edgecache.js";
import { plainOptions } from "../plain_options.js";
import { DrainTimer, LATE_TIMER_MS } from "./drain_timer.js";
import { DEAD, settledWithin } from "./flight.js";
import { QueuedWrites } from "./queued_writes.js";
import { TimeoutError, elapsedClock } from "./timeout.js";

// The engine's codes, read from it when the first queue is made (the wasm module is not
// ready while this file is imported).
/** The numbers per settled write in `complete`'s answer. */
let COMPLETION_LEN;
/** The names of the engine's stats numbers, in its order. */
let STATS;
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
  /** What the engine's key and value handles stand for, and the writers waiting for room */
  #writes;
  /** flush() calls waiting: { barrier, resolve } */
  #flushes = [];
  /** The drain timer */
  #timer;
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
    COMPLETION_LEN ??= WriteQueueEngine.completionLength();
    STATS ??= WriteQueueEngine.statNames();
    this.#batchBoundMs = batchBoundMs;
    this.#engine = new WriteQueueEngine(plainOptions(options, "EdgeCache writeBehind"), seed);
    this.#writes = new QueuedWrites(this.#engine, () => this.#clock());
    this.#timer = new DrainTimer(background, (target) => {
      this.#floor = Math.max(this.#floor, target);
      return this.#drain();
    }, () => this.#clock());
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
    this.#timer.cancel();
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
    return this.#writes.pending(storeKey);
  }

  #clock() {
    const t = Math.max(this.#now(), this.#floor);
    this.#floor = t;
    return t;
  }

  /** Accepts `w` now (then schedules a drain), or waits for room: see QueuedWrites.offer. */
  #submit(w) {
    const waiting = this.#writes.offer(w);
    if (waiting === undefined) this.#schedule();
    return waiting;
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
    this.#timer.schedule(this.#engine.nextDrainIn(this.#clock()));
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
      const k = this.#writes.key(batch[i]);
      const write = this.#writes.write(batch[i + 1]);
      handles.push(batch[i]);
      if (write === null) {
        jobs.push(settle(() => this.#store.remove(k.storeKey, k.key, PATIENT)));
      } else {
        jobs.push(settle(() => this.#store.write(k.storeKey, write.record, write.ttl, k.key, PATIENT)));
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
    this.#writes.wake();
    this.#flushes = this.#flushes.filter((f) => {
      if (!this.#engine.flushed(f.barrier)) return true;
      f.resolve();
      return false;
    });
  }

  /** Acts on one settled write. */
  #settled(handle, outcome, value, attempts, idle, errors) {
    const { k, entry } = this.#writes.settled(handle, outcome === Outcome.Retry, value, idle);
    if (outcome === Outcome.DeadLetter) {
      const event = { type: "dead-letter", key: k.key, value: entry?.value, op: entry === null ? "delete" : "set", error: errors.get(handle), attempts };
      try {
        this.#emit(event);
      } catch {
        // A failing event handler must not break the queue.
      }
    }
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

