// The write-behind queue's side of the numbers its engine decides with: which store key a
// key handle stands for, which write a value handle stands for, and the writers waiting for
// room, in arrival order. The WriteQueueEngine decides; this keeps what the numbers name.
import { WriteQueueEngine } from "../../dist/edgecache.js";

// The engine's codes, read from it when the first queue is made (the wasm module is not
// ready while this file is imported).
/** A delete where a value handle would be; also "nothing replaced". */
let NONE;
/** `accept`'s answer when the queue has no room for the key. */
let FULL;

/** The writes one WriteQueueEngine holds, by handle. */
export class QueuedWrites {
  #engine;
  #clock;
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

  /**
   * @param {*} engine the WriteQueueEngine
   * @param {() => number} clock the queue's clock (see WriteBehind)
   */
  constructor(engine, clock) {
    NONE ??= WriteQueueEngine.noValue();
    FULL ??= WriteQueueEngine.full();
    this.#engine = engine;
    this.#clock = clock;
    this.#lastValue = NONE;
  }

  /**
   * Accepts `w` ({ storeKey, key, entry }, entry null for a delete) now: undefined; or
   * queues it behind earlier waiters until there is room: a promise of that. A write of a
   * key that already has a waiter always waits behind it (even though a key already queued
   * needs no room), so the key's writes keep their order: the last one asked for is the
   * one the store ends with.
   */
  offer(w) {
    const mustWait = this.#waiting.length > 0 && (!this.#handles.has(w.storeKey) || this.#waitingKeys.has(w.storeKey));
    if (!mustWait && this.#accept(w)) return undefined;
    this.#waitingKeys.set(w.storeKey, (this.#waitingKeys.get(w.storeKey) ?? 0) + 1);
    return new Promise((resolve) => this.#waiting.push({ ...w, resolve }));
  }

  /**
   * The newest write for `storeKey` not yet known to be in the store (accepted or waiting
   * for room): `{ op: "set", value, record }`, `{ op: "delete" }`, or undefined.
   */
  pending(storeKey) {
    for (let i = this.#waitingKeys.has(storeKey) ? this.#waiting.length - 1 : -1; i >= 0; i--) {
      if (this.#waiting[i].storeKey === storeKey) return pendingWrite(this.#waiting[i].entry);
    }
    const handle = this.#handles.get(storeKey);
    return handle === undefined ? undefined : pendingWrite(this.#keys[handle].newest);
  }

  /** The key a handle stands for: `{ storeKey, key }`. */
  key(handle) {
    return this.#keys[handle];
  }

  /** The write a value handle stands for: `{ value, record, ttl }`, or null for a delete. */
  write(value) {
    return value === NONE ? null : this.#values.get(value);
  }

  /**
   * One write settled with `outcome` (a `WriteOutcome`): its value is forgotten unless it
   * is to be retried, and its key when the engine holds nothing more of it (`idle`).
   * Returns the key and the write, for a dead-letter report.
   */
  settled(handle, retry, value, idle) {
    const k = this.#keys[handle];
    const entry = this.write(value);
    if (!retry && value !== NONE) this.#values.delete(value);
    if (idle) {
      this.#handles.delete(k.storeKey);
      this.#keys[handle] = null;
      this.#freeHandles.push(handle);
    }
    return { k, entry };
  }

  /**
   * Accepts waiting writers, in arrival order, while there is room (the first that finds
   * none keeps its place and every later one waits behind it).
   */
  wake() {
    let n = 0;
    while (n < this.#waiting.length && this.#accept(this.#waiting[n])) n++;
    for (const w of this.#waiting.splice(0, n)) {
      this.#unwait(w.storeKey);
      w.resolve();
    }
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

  /** One writer of `storeKey` stopped waiting. */
  #unwait(storeKey) {
    const n = this.#waitingKeys.get(storeKey) - 1;
    if (n > 0) this.#waitingKeys.set(storeKey, n);
    else this.#waitingKeys.delete(storeKey);
  }
}

function pendingWrite(entry) {
  return entry === null ? { op: "delete" } : { op: "set", value: entry.value, record: entry.record };
}
