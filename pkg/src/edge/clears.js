// `clear()`: every entry of the namespace goes at once, without listing keys. The engine
// keeps the namespace's clear epoch, which every data key carries (src/edge/epoch.rs: its
// rules); this file reads the epoch record from the store when the engine no longer trusts
// what it holds, writes it on a clear, and drops this isolate's memory and what it reads
// or loads when the epoch changes. Old records stay in the store, under keys nobody reads,
// until their TTLs remove them; so do writes still queued (write-behind) from before.
import { EpochFound, Report } from "../../dist/edgecache.js";
import { EdgeCacheError, describe } from "../errors.js";
import { emit } from "./reporting.js";
import { Flights } from "./flight.js";

/** The epoch record is written to every owner of its key (sharded stores). */
const EVERY_OWNER = Object.freeze({ everyOwner: true });

/** The namespace's clear epoch as this isolate knows it. */
export class Clears {
  /**
   * Until when the engine trusts its epoch (ms of the cache's clock): a memory hit only
   * compares its time with this (never without a store, whose memory is all it has).
   */
  until;
  /** Times memory and what ran were dropped (a clear here or seen): a write asked for before one is not stored. */
  drops = 0;
  #c;
  /** The running read of the epoch (one key: "") */
  #reads = new Flights();

  /** @param {*} c the cache's shared state (configure.js), its store set */
  constructor(c) {
    this.#c = c;
    this.until = c.store === null ? Infinity : -Infinity;
  }

  /**
   * Before a store key is made at `now`: nothing when the epoch is trusted, else a promise
   * that settles once it was read (the epoch held is used if that fails). Never rejects.
   */
  ready(now) {
    return now < this.until ? undefined : this.#reads.run("", this.#c.readBound, () => this.#read());
  }

  /** A memory hit at `now`: the epoch is read again in the background once it is no longer trusted. */
  check(now) {
    if (now >= this.until && !this.#reads.has("")) this.#c.background.add(this.ready(now));
  }

  /**
   * Clears the namespace: this isolate's memory and what it reads or loads at once, then
   * the store's epoch is raised (read, then written to every owner). E_STORE when the store
   * could not take it (this isolate's memory is cleared all the same).
   */
  async clear() {
    const c = this.#c;
    this.#drop();
    if (c.store === null) return;
    const key = c.engine.epochKey(c.store.limits.maxKeyBytes);
    const records = await c.store.readMany([key]);
    const record = c.engine.epochClear(records?.[0] ?? null, records === null, c.now());
    if (record === undefined) {
      throw new EdgeCacheError("E_STORE", "clear: the store's clear epoch could not be read; only this isolate's memory was cleared: try again");
    }
    this.until = c.engine.epochTrustedUntil();
    this.#drop(); // what began while the epoch was read
    try {
      await c.store.write(key, record, undefined, undefined, EVERY_OWNER);
    } catch (error) {
      throw new EdgeCacheError("E_STORE", `clear: the store failed (${describe(error)}); this isolate uses the cleared namespace until it reads the epoch again (memoryTtl), other isolates may not see the clear: try again`, { cause: error });
    }
  }

  /** Reads the epoch; drops memory and what runs when it changed. */
  async #read() {
    const c = this.#c;
    const mark = c.engine.epochMark();
    const key = c.engine.epochKey(c.store.limits.maxKeyBytes);
    const records = await c.store.readMany([key]);
    const found = c.engine.epochRead(records?.[0] ?? null, records === null, mark, c.now());
    this.until = c.engine.epochTrustedUntil();
    if (found === EpochFound.Changed) this.#drop();
    if (found === EpochFound.Unreadable) {
      c.reports.count(Report.StoreCorrupt);
      emit(c, { type: "error", tier: "store", reason: "unreadable clear epoch" });
    }
  }

  /** Memory is emptied, and nothing read or loaded before now is written back or joined. */
  #drop() {
    this.drops++;
    this.#c.memory?.clear();
    this.#c.coordinator.supersedeAll();
  }
}
