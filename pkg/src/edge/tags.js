// Tag generations: `invalidateTags` raises a tag's generation in the store; an entry is
// current while none of its tags' generations is newer than when it was written. Read
// generations are trusted for the engine's tag-check interval (memoryTtl, else ttl).
import { EdgeEngine } from "../../dist/edgecache.js";
import { EdgeCacheError, describe } from "../errors.js";
import { Flights } from "./flight.js";

/** A generation is written to every owner of its key, or the invalidation fails (sharded stores). */
const TAG_WRITE = Object.freeze({ everyOwner: true });
/** What `#readStored` gives for a tag whose record is unreadable (cut, damaged, out of range). */
const UNREADABLE = -1;

/** The generations of tags, as this isolate knows them. */
export class TagGenerations {
  /**
   * tag -> { confirmed, raised, raisedUntil, checkedAt }: the generation the store last
   * gave (read, or written by this isolate); one this isolate raised it to that the store
   * has not confirmed (an invalidation under way, or one whose write failed), trusted
   * until `raisedUntil` only; when the store was last read. The store's latest word wins,
   * even when lower than an earlier one: two isolates invalidating at once each write
   * their own generation, and whichever lands last stays. Both are above every entry
   * written before either began, and an isolate that kept the higher one would never
   * again take the entries others write under the lower one.
   */
  #known = new Map();
  /** Running reads of generations, per list of tags (joined) */
  #reads = new Flights();
  /** Size of #known at which it is next swept. */
  #sweepAt = 1024;
  /** Number of the last `invalidate` call in this isolate. */
  #sequence = 0;
  /** tag -> { sequence, at }: the last `invalidate` of the tag here, and when */
  #invalidated = new Map();
  #engine;
  #store;
  #now;
  #onUnreadable;
  /** How long a read of generations may take at most (ms): EdgeEngine.readBound */
  #readBound;

  /**
   * @param {*} engine the EdgeEngine (tag keys, the re-check interval)
   * @param {{ limits, readMany, write } | null} store the store tier, or null (memory only)
   * @param {() => number} now the injected clock
   * @param {(tag: string) => void} onUnreadable reports a tag whose stored generation is unreadable
   */
  constructor(engine, store, now, onUnreadable) {
    this.#engine = engine;
    this.#readBound = engine.readBound();
    this.#store = store;
    this.#now = now;
    this.#onUnreadable = onUnreadable;
  }

  /** Generations known without reading the store (checked within the interval), or null. */
  known(tags) {
    const now = this.#now();
    const interval = this.#engine.tagCheckInterval();
    const out = [];
    for (const tag of tags) {
      const g = this.#known.get(tag);
      if (g === undefined || (this.#store !== null && now - g.checkedAt >= interval)) return null;
      out.push(generationOf(g, now));
    }
    return out;
  }

  /** Current generation of each tag; concurrent re-reads of the same tags share one read. */
  async current(tags) {
    const known = this.known(tags);
    if (known !== null) return known;
    if (this.#store === null) return tags.map((t) => this.#generation(t, this.#now()) ?? 0);
    return this.#reads.run(tags.join("\u0000"), this.#readBound, () => this.#read(tags));
  }

  /** A mark to pass to `invalidatedSince` later. */
  mark() {
    return this.#sequence;
  }

  /** Whether any of `tags` was invalidated in this isolate after `mark` was taken. */
  invalidatedSince(tags, mark) {
    return tags.some((tag) => (this.#invalidated.get(tag)?.sequence ?? 0) > mark);
  }

  /**
   * Whether every tag of `entry` is still at the generation it was written under (a tag
   * whose generation cannot be read counts as raised: NaN compares false). An entry this
   * isolate wrote carries the `mark` of its write: a tag invalidated here since then makes
   * it stale at once, even before its generations are known.
   */
  async isCurrent(entry) {
    if (entry.mark !== undefined && this.invalidatedSince(entry.tags, entry.mark)) return false;
    const current = await this.current(entry.tags);
    return current.every((g, i) => g <= entry.generations[i]);
  }

  /**
   * Raises each tag's generation (the time in whole ms, or the stored one + 1 if larger),
   * here and in the store; throws `E_STORE` when the store could not take it. The stored
   * generation is read first, not taken from what this isolate knows: another isolate
   * (with a clock ahead of ours) may have raised it further, and a write from an older
   * value would lower it. An unreadable stored generation is replaced.
   */
  async invalidate(tags) {
    const now = this.#now();
    this.#sequence++;
    // Raised here at once from what this isolate knows, so that reads, sets and loads from
    // now on see the invalidation; raised further if the store holds a later generation.
    const local = tags.map((tag) => Math.max(Math.ceil(now), (this.#generation(tag, now) ?? 0) + 1));
    tags.forEach((tag, i) => {
      this.#invalidated.set(tag, { sequence: this.#sequence, at: now });
      this.#raise(tag, local[i], now);
    });
    if (this.#store === null) {
      tags.forEach((tag, i) => this.#confirm(tag, local[i], now)); // memory only: the map is their home
      return;
    }
    const stored = (await this.#readStored(tags)).map((g) => (g === UNREADABLE ? 0 : g));
    if (stored.some(Number.isNaN)) {
      // Written blind, the generation could go below one another isolate stored.
      throw new EdgeCacheError("E_STORE", "invalidateTags: the store could not be read; the tags are invalidated in this isolate only, other isolates may not see it");
    }
    // At least this isolate's own latest (a concurrent invalidation may have raised it).
    const next = local.map((g, i) => Math.max(stored[i] >= g ? stored[i] + 1 : g, this.#generation(tags[i], now) ?? 0));
    tags.forEach((tag, i) => this.#raise(tag, next[i], now));
    const records = next.map((g) => EdgeEngine.encodeGeneration(g));
    const full = tags.find((_, i) => records[i] === undefined);
    if (full !== undefined) {
      throw new EdgeCacheError("E_STORE", `invalidateTags: tag ${JSON.stringify(full)} is at the largest generation a record holds (2^52; written by something other than edgecache?); delete its record from the store to reset it (entries written under it then stay current until they expire). It counts as invalidated in this isolate for memoryTtl`);
    }
    const { maxKeyBytes } = this.#store.limits;
    const writes = tags.map(async (tag, i) => {
      await this.#store.write(this.#engine.tagKey(tag, maxKeyBytes), records[i], EdgeEngine.tagRecordTtl(), tag, TAG_WRITE);
      this.#confirm(tag, next[i], this.#now());
    });
    try {
      await Promise.all(writes);
    } catch (error) {
      throw new EdgeCacheError("E_STORE", `invalidateTags: the store failed (${describe(error)}); this isolate counts the tags as invalidated for memoryTtl, other isolates may not see it`, { cause: error });
    }
  }

  /** What this isolate takes `tag`'s generation to be at `now`, or undefined if unknown. */
  #generation(tag, now) {
    const g = this.#known.get(tag);
    return g === undefined ? undefined : generationOf(g, now);
  }

  /** This isolate raised `tag` to `generation` (trusted for the re-check interval). */
  #raise(tag, generation, now) {
    const g = this.#known.get(tag) ?? { confirmed: 0, raised: 0, raisedUntil: -Infinity, checkedAt: now };
    g.raised = Math.max(generationOf(g, now), generation);
    g.raisedUntil = now + this.#engine.tagCheckInterval();
    g.checkedAt = now;
    this.#known.set(tag, g);
  }

  /** The store holds `generation` for `tag` (read or written). */
  #confirm(tag, generation, now) {
    const g = this.#known.get(tag) ?? { confirmed: 0, raised: 0, raisedUntil: -Infinity, checkedAt: now };
    g.confirmed = generation;
    g.checkedAt = now;
    this.#known.set(tag, g);
  }

  async #read(tags) {
    const now = this.#now();
    const stored = await this.#readStored(tags);
    const generations = tags.map((tag, i) => {
      // Unreadable (store or shard down): the last known, re-read next time; never known:
      // NaN, which no entry is current under (it may have been invalidated).
      if (Number.isNaN(stored[i])) return this.#generation(tag, now) ?? NaN;
      // Unreadable record: counts as invalidated (NaN) until an invalidation replaces it.
      if (stored[i] === UNREADABLE) return NaN;
      // Never below a raise of this isolate's own that is still trusted.
      this.#confirm(tag, stored[i], now);
      return this.#generation(tag, now);
    });
    this.#sweep(now);
    return generations;
  }

  /**
   * The generations in the store: 0 for a tag never invalidated, NaN where the store could
   * not be read, UNREADABLE where the record is (each reported).
   */
  async #readStored(tags) {
    const { maxKeyBytes } = this.#store.limits;
    const records = await this.#store.readMany(tags.map((t) => this.#engine.tagKey(t, maxKeyBytes)));
    return tags.map((tag, i) => {
      if (records === null || records[i] === undefined) return NaN;
      if (records[i] === null) return 0;
      const generation = EdgeEngine.decodeGeneration(records[i]);
      if (!Number.isNaN(generation)) return generation;
      this.#onUnreadable(tag);
      return UNREADABLE;
    });
  }

  /**
   * Forgets generations older than the re-check interval (they would be read again
   * anyway) once the map has doubled since the last sweep, so one tag per user does not
   * grow it forever. Only with a store: without one the map is the generations' only home.
   */
  #sweep(now) {
    if (this.#known.size < this.#sweepAt) return;
    const interval = this.#engine.tagCheckInterval();
    for (const [tag, g] of this.#known) if (now - g.checkedAt >= interval) this.#known.delete(tag);
    for (const [tag, i] of this.#invalidated) if (now - i.at >= interval) this.#invalidated.delete(tag);
    this.#sweepAt = Math.max(1024, 2 * this.#known.size);
  }
}

/** A known tag's generation at `now`: the store's, or this isolate's raise while it is trusted. */
function generationOf(g, now) {
  return now < g.raisedUntil ? Math.max(g.confirmed, g.raised) : g.confirmed;
}
