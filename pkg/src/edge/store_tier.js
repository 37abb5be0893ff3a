// The store tier of an EdgeCache: reads, writes and deletes of records, with the timeout,
// latency, counters and events of every store call. A failing or slow store never throws
// out of a read: the read reports `failed` and the cache falls back.
import { Report } from "../../dist/edgecache.js";
import { elapsedClock, isTimeout, withTimeout } from "./timeout.js";

/**
 * How long a write or delete may go unanswered before it is taken to be lost and the key's
 * next call goes out anyway (ms): four times the cache's store `timeout`.
 */
export function patienceMs(timeout) {
  return 4 * timeout;
}

/** Most reads sent in one getMany. */
const MAX_BATCH = 100;

/**
 * `how` of a read that is no data read (the clear epoch's record): it rides in a batch
 * like any read, but the tier counts nothing of it (no call, latency or failure; its
 * failures are still `error` events), so stats and alerts are about the cache's data.
 */
export const UNCOUNTED = Object.freeze({ uncounted: true });

/** One store (adapter), as the cache uses it. */
export class StoreTier {
  #store;
  #reports;
  #emit;
  #timeout;
  /** How long a store call may go unanswered before the key's next call goes out anyway. */
  #stuckMs;
  /** Reads waiting to go out together: { storeKey, key, counted, resolve }. */
  #batch = [];
  /** Writes and deletes, one per key at a time (a CallOrder the coordinator keeps). */
  #calls;

  /**
   * @param {object} store a checked adapter (a CheckedStore of stores/check.js)
   * @param {{ engine, reports, coordinator }} parts the cache's EdgeEngine (the store
   *   timeout), its report buffer (counters, latency) and its coordinator (call order)
   * @param {(event: object) => void} emit reports an event
   * @param {string} [shard] the shard's id, added to its events
   */
  constructor(store, { engine, reports, coordinator }, emit, shard) {
    this.#store = store;
    this.#reports = reports;
    this.#emit = shard === undefined ? emit : (event) => emit({ ...event, shard });
    this.#timeout = engine.timeout();
    this.#stuckMs = patienceMs(this.#timeout);
    this.#calls = coordinator.storeCalls(shard ?? "", this.#stuckMs);
  }

  /** The store's limits. */
  get limits() {
    return this.#store.limits;
  }

  /**
   * Reads `storeKey`: `{ record }` (string or null), or `{ failed: true, timedOut }`.
   * Where the store has getMany, reads started in the same microtask checkpoint go out
   * as one batch. `how`: UNCOUNTED, or nothing.
   */
  read(storeKey, key, how) {
    const counted = how !== UNCOUNTED;
    if (this.#store.getMany === undefined) return this.#readOne(storeKey, key, counted);
    return new Promise((resolve) => {
      this.#batch.push({ storeKey, key, counted, resolve });
      if (this.#batch.length === 1) queueMicrotask(() => this.#sendBatch());
    });
  }

  async #readOne(storeKey, key, counted) {
    const t0 = elapsedClock();
    try {
      const record = await withTimeout(this.#store.get(storeKey), this.#timeout);
      if (counted) this.#reports.add(Report.StoreLatency, elapsedClock() - t0);
      return { record: typeof record === "string" ? record : null };
    } catch (error) {
      if (counted) this.#reports.add(Report.StoreLatency, elapsedClock() - t0);
      this.#failure(error, key, "get", counted);
      return { failed: true, timedOut: isTimeout(error) };
    }
  }

  /** Sends the queued reads: one as a get, several as one getMany (counted once if any of them counts). */
  async #sendBatch() {
    const batch = this.#batch.splice(0, MAX_BATCH);
    if (this.#batch.length > 0) queueMicrotask(() => this.#sendBatch());
    if (batch.length === 1) {
      batch[0].resolve(await this.#readOne(batch[0].storeKey, batch[0].key, batch[0].counted));
      return;
    }
    const counted = batch.some((b) => b.counted);
    const { records, timedOut } = await this.#fetchMany(batch.map((b) => b.storeKey), counted);
    batch.forEach((b, i) => b.resolve(records === null ? { failed: true, timedOut } : { record: records[i] }));
  }

  /** Reads several keys (one batch where the store has getMany); null when the read failed. */
  async readMany(storeKeys) {
    return (await this.#fetchMany(storeKeys)).records;
  }

  /** `{ records }` (strings or null, in order), or `{ records: null, timedOut }` on failure. */
  async #fetchMany(storeKeys, counted = true) {
    const t0 = elapsedClock();
    try {
      const batch = this.#store.getMany
        ? this.#store.getMany(storeKeys)
        : Promise.all(storeKeys.map((k) => this.#store.get(k)));
      const records = await withTimeout(batch, this.#timeout);
      if (counted) this.#reports.add(Report.StoreLatency, elapsedClock() - t0);
      return { records: storeKeys.map((_, i) => (typeof records[i] === "string" ? records[i] : null)) };
    } catch (error) {
      if (counted) this.#reports.add(Report.StoreLatency, elapsedClock() - t0);
      this.#failure(error, undefined, "getMany", counted);
      return { records: null, timedOut: isTimeout(error) };
    }
  }

  /**
   * Writes a record; throws the store's error (after counting it). `how.patient` waits up
   * to the time after which a call is taken to be lost rather than the cache's `timeout`
   * (the write-behind queue retries what fails, so it gives up on a call only then).
   */
  async write(storeKey, record, ttl, key, how) {
    try {
      await this.#calls.run(storeKey, () => this.#store.set(storeKey, record, ttl === undefined ? {} : { ttl }), this.#limit(how));
      this.#reports.count(Report.StoreWrite);
    } catch (error) {
      this.#reports.count(Report.StoreWriteError);
      this.#failure(error, key, "set", false);
      throw error;
    }
  }

  /** Deletes a key; throws the store's error (after counting it). `how` as for `write`. */
  async remove(storeKey, key, how) {
    try {
      await this.#calls.run(storeKey, () => this.#store.delete(storeKey), this.#limit(how));
      this.#reports.count(Report.StoreWrite);
    } catch (error) {
      this.#reports.count(Report.StoreWriteError);
      this.#failure(error, key, "delete", false);
      throw error;
    }
  }

  #limit(how) {
    return how?.patient ? this.#stuckMs : this.#timeout;
  }

  #failure(error, key, op, countAsReadError = true) {
    const timedOut = isTimeout(error);
    // A failed write is counted once, as a write error (by the caller).
    if (countAsReadError) this.#reports.count(timedOut ? Report.StoreTimeout : Report.StoreError);
    this.#emit({ type: timedOut ? "timeout" : "error", tier: "store", key, op, error });
  }
}
