// Tag generations: `invalidateTags` raises a tag's generation in the store; an entry is
// current while none of its tags' generations is newer than when it was written. Every
// rule about them (which are known and trusted, the next generation of an invalidation,
// the marks, what a record is stamped with, what the table forgets) is the TagEngine's
// (src/edge/tags.rs); this file reads and writes the store, shares concurrent reads and
// reports unreadable records.
import { EdgeEngine, TagCheck, TagEngine } from "../../dist/edgecache.js";
import { EdgeCacheError, describe } from "../errors.js";
import { Flights } from "./flight.js";

/** A generation is written to every owner of its key, or the invalidation fails (sharded stores). */
const TAG_WRITE = Object.freeze({ everyOwner: true });
/** What `#readStored` gives for a tag whose record is unreadable (TagEngine: any negative number). */
const UNREADABLE = -1;

/** The generations of tags, as this isolate knows them (kept by a TagEngine). */
export class TagGenerations {
  /** The TagEngine: the generations and their rules */
  #table;
  /** Running reads of generations, per tag list */
  #reads = new Flights();
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
    this.#table = new TagEngine(engine.tagCheckInterval(), store !== null);
    this.#store = store;
    this.#now = now;
    this.#onUnreadable = onUnreadable;
  }

  /** A mark to pass to `invalidatedSince` and `stamp` later for `tags` (none needed without tags). */
  mark(tags) {
    return tags.length === 0 ? 0 : this.#table.mark();
  }

  /** Whether any of `tags` was invalidated in this isolate after `mark` was taken. */
  invalidatedSince(tags, mark) {
    return tags.length > 0 && this.#table.invalidatedSince(tagList(tags), mark);
  }

  /**
   * The generations a record of the tag list `list` written at `mark` carries when they
   * are decided without reading the store (always without a store), else undefined: the
   * current ones, just below for a tag invalidated here since (the invalidation wins
   * everywhere).
   */
  known(list, mark) {
    return this.#table.stamp(list, mark, this.#now());
  }

  /**
   * As `known` for `tags` (whose tag list is `list`), read from the store when they must
   * be (concurrent re-reads of the same tags share one read); NaN where they could not be.
   */
  async stamp(tags, list, mark) {
    return this.known(list, mark) ?? this.#table.stamp(list, mark, this.#now(), await this.#readShared(tags, list));
  }

  /**
   * Whether every tag of `entry` is still at the generation it was written under (an
   * entry this isolate wrote carries the `mark` of its write: a tag invalidated here since
   * makes it stale at once): a boolean when the engine knows, in one call; else a
   * promise, once the generations are read.
   */
  isCurrent(entry) {
    const list = (entry.list ??= tagList(entry.tags));
    const check = this.#table.check(list, entry.generations, this.#now(), entry.mark);
    if (check !== TagCheck.Unknown) return check === TagCheck.Current;
    return this.#readShared(entry.tags, list).then((read) =>
      this.#table.check(list, entry.generations, this.#now(), entry.mark, read) === TagCheck.Current);
  }

  /**
   * Raises each tag's generation (the time in whole ms, or the stored one + 1 if larger),
   * here and in the store; throws `E_STORE` when the store could not take it. The stored
   * generation is read first, not taken from what this isolate knows: another isolate
   * (with a clock ahead of ours) may have raised it further, and a write from an older
   * value would lower it. An unreadable stored generation is replaced. `settled(generations)`
   * is called once they are decided and their writes have settled (the bus tells them).
   */
  async invalidate(tags, settled) {
    const now = this.#now();
    const list = tagList(tags);
    const local = this.#table.invalidate(list, now);
    if (this.#store === null) return settled(Array.from(local)); // memory only: the table is their home
    const next = this.#table.settle(list, local, await this.#readStored(tags), now);
    if (next === undefined) {
      throw new EdgeCacheError("E_STORE", "invalidateTags: the store could not be read; the tags are invalidated in this isolate only, other isolates may not see it");
    }
    const records = Array.from(next, (g) => EdgeEngine.encodeGeneration(g));
    const full = tags.find((_, i) => records[i] === undefined);
    if (full !== undefined) {
      throw new EdgeCacheError("E_STORE", `invalidateTags: tag ${JSON.stringify(full)} is at the largest generation a record holds (2^52; written by something other than edgecache?); delete its record from the store to reset it (entries written under it then stay current until they expire). It counts as invalidated in this isolate for memoryTtl`);
    }
    const { maxKeyBytes } = this.#store.limits;
    const writes = tags.map(async (tag, i) => {
      await this.#store.write(this.#engine.tagKey(tag, maxKeyBytes), records[i], EdgeEngine.tagRecordTtl(), tag, TAG_WRITE);
      this.#table.read(tagList([tag]), next.subarray(i, i + 1), this.#now()); // the store holds it
    });
    try {
      await Promise.all(writes);
    } catch (error) {
      throw new EdgeCacheError("E_STORE", `invalidateTags: the store failed (${describe(error)}); this isolate counts the tags as invalidated for memoryTtl, other isolates may not see it`, { cause: error });
    } finally {
      settled(Array.from(next));
    }
  }

  /**
   * Another isolate invalidated `tag`, the store now holding `generation` (a bus message):
   * raised here to it at once, as an invalidation made here (a load begun before is not
   * cached), without writing the store.
   */
  invalidatedElsewhere(tag, generation) {
    this.#table.invalidate(tagList([tag]), this.#now(), new Float64Array([generation]));
  }

  /** The engine is about to be freed: so is the table. */
  dispose() {
    this.#table.free();
  }

  /** The generations of `tags` (whose tag list is `list`) read from the store, one read for concurrent callers. */
  #readShared(tags, list) {
    return this.#reads.run(list, this.#readBound, () => this.#read(tags, list));
  }

  async #read(tags, list) {
    const now = this.#now();
    return this.#table.read(list, await this.#readStored(tags), now);
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
}

/**
 * A list of tags as the TagEngine takes it, one string: each tag's length (UTF-16 code
 * units), ":" and the tag, so any tag text crosses as it is.
 */
export function tagList(tags) {
  let list = "";
  for (const tag of tags) list += `${tag.length}:${tag}`;
  return list;
}
