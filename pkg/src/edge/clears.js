// `clear()`: every entry of the namespace goes at once, without listing keys. The engine
// keeps the namespace's clear epoch, which every data key carries (src/edge/epoch.rs: its
// rules); this file reads the epoch record from the store when the engine no longer trusts
// what it holds, writes it on a clear, and drops this isolate's memory and what it reads
// or loads when the epoch changes. Old records stay in the store, under keys nobody reads,
// until their TTLs remove them; so do writes still queued (write-behind) from before.
//
// Nothing waits for the record before it goes out: store calls are keyed at the epoch
// held while the record is read beside them (in the same batch as a read begun in the same
// microtask), and only when it moved the epoch is a read made again (read_path.js readAt)
// or a write sent again (write_path.js) under the new key. So a fresh isolate pays no
// extra round trip before its first read.
import { EpochFound, Report } from "../../dist/edgecache.js";
import { EdgeCacheError, describe } from "../errors.js";
import { emit } from "./reporting.js";
import { Flights } from "./flight.js";
import { UNCOUNTED } from "./store_tier.js";

/** The epoch record is written to every owner of its key (sharded stores). */
const EVERY_OWNER = Object.freeze({ everyOwner: true });

/** The namespace's clear epoch as this isolate knows it. */
export class Clears {
  /**
   * Until when the engine trusts its epoch (ms of the cache's clock): a memory hit only
   * compares its time with this (never without a store, whose memory is all it has).
   */
  until;
  /** Times the epoch moved here (a clear made, or found in the store): a read begun before is made again. */
  moves = 0;
  /** Clears made here: a write asked for before one is not stored (it is cleared with the rest). */
  made = 0;
  #c;
  /** The running read of the epoch (one key: "") */
  #reads = new Flights();

  /** @param {*} c the cache's shared state (configure.js), its store set */
  constructor(c) {
    this.#c = c;
    this.until = c.store === null ? Infinity : -Infinity;
  }

  /**
   * Before a store call keyed at the epoch held, at `now`: undefined when the epoch is
   * trusted, else the running read of its record, started now if none runs (so a data read
   * begun in the same microtask goes out in the same batch). Settles once the record was
   * taken in (the epoch held stays when the read fails); never rejects.
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
    this.made++;
    this.#drop();
    if (c.store === null) return void c.bus?.cleared();
    const key = c.engine.epochKey(c.store.limits.maxKeyBytes);
    const { record, failed } = await c.store.read(key, undefined, UNCOUNTED);
    const next = c.engine.epochClear(record ?? null, failed === true, c.now());
    if (next === undefined) {
      throw new EdgeCacheError("E_STORE", "clear: the store's clear epoch could not be read; only this isolate's memory was cleared: try again");
    }
    this.until = c.engine.epochTrustedUntil();
    this.made++;
    this.#drop(); // what began while the epoch was read
    try {
      await c.store.write(key, next, undefined, undefined, EVERY_OWNER);
    } catch (error) {
      throw new EdgeCacheError("E_STORE", `clear: the store failed (${describe(error)}); this isolate uses the cleared namespace until it reads the epoch again (memoryTtl), other isolates may not see the clear: try again`, { cause: error });
    } finally {
      c.bus?.cleared();
    }
  }

  /** Another isolate cleared the namespace (a bus message): memory goes, and the epoch is read again. */
  clearedElsewhere() {
    this.#drop();
    if (this.#c.store === null) return;
    this.until = -Infinity;
    this.check(this.#c.now());
  }

  /** Reads the epoch record (counted as no data read); drops memory and what runs when it moved the epoch. */
  async #read() {
    const c = this.#c;
    const mark = c.engine.epochMark();
    const key = c.engine.epochKey(c.store.limits.maxKeyBytes);
    const { record, failed } = await c.store.read(key, undefined, UNCOUNTED);
    const found = c.engine.epochRead(record ?? null, failed === true, mark, c.now());
    this.until = c.engine.epochTrustedUntil();
    if (found === EpochFound.Changed) this.#drop();
    if (found === EpochFound.Unreadable) {
      c.reports.count(Report.StoreCorrupt);
      emit(c, { type: "error", tier: "store", reason: "unreadable clear epoch" });
    }
  }

  /** Memory is emptied, and nothing read or loaded before now is written back or joined. */
  #drop() {
    this.moves++;
    this.#c.memory?.clear();
    this.#c.coordinator.supersedeAll();
  }
}
