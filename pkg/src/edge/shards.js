// Several stores as one: each key lives on `replicas` distinct shards chosen by a ketama
// ring over the shard ids. Writes go to every owner; a read asks the owners in ring order
// until one has the record (a miss, error or timeout moves on), and reports the primary
// for read-repair when a replica answered. A shard that keeps failing is skipped for a
// cool-down (its circuit breaker, decided by the engine).
import { fail, isEdgeCacheError } from "../errors.js";
import { MAX_KEY_LENGTH } from "../keys.js";
import { HashRing } from "../ring.js";
import { checkStore } from "../stores/check.js";
import { StoreTier, UNCOUNTED } from "./store_tier.js";

/** Where an UNCOUNTED read's counts go: nowhere anyone reads. */
const NOT_COUNTED = { reads: 0, hits: 0, errors: 0, timeouts: 0 };

/** Stores on a consistent-hash ring, with replicas, failover and circuit breakers. */
export class ShardedStore {
  #ring = new HashRing([]);
  /** id -> { index, tier, counts } */
  #shards = new Map();
  /** Breaker indices of removed shards, for reuse (the engine's breakers are by index). */
  #freeIndices = [];
  #nextIndex = 0;
  /** The tightest limits of all shards, recomputed when shards change. */
  #limits;
  #engine;
  /** What each shard's StoreTier is given: the engine, the report buffer, the coordinator */
  #parts;
  #emit;
  #now;
  #minKeyBytes;

  /**
   * @param {Array<object> | Record<string, object>} stores KvStores; an array's shards are
   *   named "0", "1", ...; a record's keys are the ring's node ids (e.g. "10.0.1.1:6379")
   * @param {{ engine, reports, coordinator }} parts the cache's EdgeEngine (breakers), its
   *   report buffer and its coordinator, which every shard's StoreTier shares
   * @param {(event: object) => void} emit reports an event
   * @param {() => number} now the injected clock (breaker cool-downs)
   */
  constructor(stores, parts, emit, now) {
    const { engine } = parts;
    this.#engine = engine;
    this.#parts = parts;
    this.#emit = emit;
    this.#now = now;
    this.#minKeyBytes = engine.minStoreKeyBytes();
    const entries = Array.isArray(stores) ? stores.map((s, i) => [String(i), s]) : Object.entries(stores);
    if (entries.length === 0) fail("E_CONFIG", "EdgeCache: option store is an empty list; pass at least one store");
    for (const [id, store] of entries) this.addShard(id, store, "E_CONFIG");
  }

  /**
   * The tightest limits of all shards (a record must fit wherever it lands). Keys are also
   * kept within what the ring hashes (`MAX_KEY_LENGTH`); longer ones are digested.
   */
  get limits() {
    return this.#limits;
  }

  #updateLimits() {
    const all = [...this.#shards.values()].map((s) => s.tier.limits);
    this.#limits = {
      maxKeyBytes: Math.min(MAX_KEY_LENGTH, ...all.map((l) => l.maxKeyBytes)),
      maxValueBytes: Math.min(...all.map((l) => l.maxValueBytes)),
      minTtl: Math.max(...all.map((l) => l.minTtl)),
    };
  }

  /**
   * Adds shard `id`; keys that now belong to it are found again through misses. A bad id
   * throws `code` (E_CONFIG from the constructor, E_ARGUMENT from addStore).
   */
  addShard(id, store, code = "E_ARGUMENT") {
    if (typeof id !== "string" || id.length === 0) fail(code, "addStore(id, store): id must be a non-empty string");
    if (this.#shards.has(id)) fail("E_ARGUMENT", `addStore: a store with id "${id}" is already on the ring`);
    const checked = checkStore(store, `EdgeCache: store "${id}"`);
    if (checked.limits.maxKeyBytes < this.#minKeyBytes) {
      fail("E_CONFIG", `EdgeCache: store "${id}" allows keys of ${checked.limits.maxKeyBytes} bytes; at least ${this.#minKeyBytes} are needed`);
    }
    try {
      this.#ring.add(id);
    } catch (error) {
      if (!isEdgeCacheError(error)) throw error;
      fail(code, `EdgeCache: store id "${id}" is not a ring node id (${error.message}); ids are ketama node ids: a name such as "primary" or "host:port" such as "10.0.1.1:6379"`);
    }
    const counts = { reads: 0, hits: 0, errors: 0, timeouts: 0, repairs: 0, skippedWhileOpen: 0 };
    const index = this.#freeIndices.pop() ?? this.#nextIndex++;
    this.#engine.shardOutcome(index, true, this.#now()); // a reused index starts closed
    this.#shards.set(id, { index, tier: new StoreTier(checked, this.#parts, this.#emit, id), counts });
    this.#updateLimits();
  }

  /** Removes shard `id`; whether it was there. Its keys are found again through misses. */
  removeShard(id) {
    if (!this.#shards.has(id)) return false;
    if (this.#shards.size === 1) fail("E_ARGUMENT", `removeStore: "${id}" is the last store; a cache needs at least one`);
    this.#ring.remove(id);
    const shard = this.#shards.get(id);
    // Calls still running on it must not report to the breaker its index passes on to.
    shard.removed = true;
    this.#freeIndices.push(shard.index);
    this.#shards.delete(id);
    this.#parts.coordinator.forgetStore(id);
    this.#updateLimits();
    return true;
  }

  /** The owners of a store key, primary first. */
  #owners(storeKey) {
    return this.#ring.nodes(storeKey, this.#engine.replicas()).map((id) => [id, this.#shards.get(id)]);
  }

  #allowed(shard) {
    if (this.#engine.shardAllowed(shard.index, this.#now())) return true;
    shard.counts.skippedWhileOpen++;
    return false;
  }

  #outcome(shard, ok) {
    if (shard.removed) return;
    this.#engine.shardOutcome(shard.index, ok, this.#now());
  }

  /**
   * Reads from the owners in ring order: `{ record, repair }` where `repair` names the
   * primary when it answered a miss and a replica had the record, or `{ failed: true }`
   * when no owner could answer, or `{ record: null }`. `how` as for StoreTier.read (an
   * UNCOUNTED read is not counted on its shards either).
   */
  async read(storeKey, key, how) {
    let failed = false;
    let missedPrimary = null;
    for (const [i, [id, shard]] of this.#owners(storeKey).entries()) {
      if (!this.#allowed(shard)) {
        failed = true;
        continue;
      }
      const r = await shard.tier.read(storeKey, key, how);
      this.#outcome(shard, !r.failed);
      const counts = how === UNCOUNTED ? NOT_COUNTED : shard.counts;
      counts.reads++;
      if (r.failed) {
        failed = true;
        counts[r.timedOut ? "timeouts" : "errors"]++;
        continue;
      }
      if (r.record !== null) {
        counts.hits++;
        return { record: r.record, repair: i > 0 ? missedPrimary : null };
      }
      if (i === 0) missedPrimary = id;
    }
    return failed ? { failed: true } : { record: null };
  }

  /**
   * Reads several keys: records (null where absent, undefined where no owner could
   * answer), or null when none could be read at all.
   */
  async readMany(storeKeys) {
    const results = await Promise.all(storeKeys.map((k) => this.read(k)));
    if (results.every((r) => r.failed)) return null;
    return results.map((r) => (r.failed ? undefined : r.record));
  }

  /**
   * Writes to every owner; throws when none took the write, or with `how.everyOwner` (a
   * tag's generation, which no TTL ever replaces) when any did not, as `remove` does.
   * `how` as for StoreTier otherwise.
   */
  async write(storeKey, record, ttl, key, how) {
    await this.#onOwners(storeKey, (tier) => tier.write(storeKey, record, ttl, key, how), how?.everyOwner ? "each" : "all");
  }

  /**
   * Deletes from every owner; throws when any owner could not be reached, including one
   * skipped because its breaker is open (its copy would come back through read-repair).
   */
  async remove(storeKey, key, how) {
    await this.#onOwners(storeKey, (tier) => tier.remove(storeKey, key, how), "each");
  }

  /** Writes a record found on a replica back to the primary `id` (read-repair). */
  async repair(storeKey, record, ttl, id, key) {
    const shard = this.#shards.get(id);
    if (shard === undefined || !this.#allowed(shard)) return;
    try {
      await shard.tier.write(storeKey, record, ttl, key);
      this.#outcome(shard, true);
      shard.counts.repairs++;
    } catch (error) {
      this.#outcome(shard, false);
      shard.counts.errors++;
    }
  }

  /**
   * Runs `op` on the allowed owners; `need` "all" fails only if every one failed, "each"
   * if any failed or was skipped.
   */
  async #onOwners(storeKey, op, need) {
    const all = this.#owners(storeKey);
    const owners = all.filter(([, shard]) => this.#allowed(shard));
    const results = await Promise.allSettled(owners.map(([, shard]) => op(shard.tier)));
    let lastError;
    let failures = 0;
    results.forEach((r, i) => {
      const shard = owners[i][1];
      this.#outcome(shard, r.status === "fulfilled");
      if (r.status === "rejected") {
        failures++;
        shard.counts.errors++;
        lastError = r.reason;
      }
    });
    if (owners.length === 0) throw new Error("every owner of this key is skipped (circuit breakers open)");
    if (need === "all" ? failures === owners.length : failures > 0) throw lastError;
    if (need === "each" && owners.length < all.length) {
      const skipped = all.filter((owner) => !owners.includes(owner)).map(([id]) => id);
      throw new Error(`shard ${skipped.join(", ")} skipped (circuit breaker open); its copy of the key was not deleted`);
    }
  }

  /** Frees the ring's wasm memory (EdgeCache.dispose). */
  dispose() {
    this.#ring.dispose();
  }

  /**
   * Per-shard counters: reads, hits, errors, timeouts, repairs, skippedWhileOpen, open; a
   * record without a prototype, so that any id (even "__proto__") is a field of its own.
   */
  stats() {
    const now = this.#now();
    const out = Object.create(null);
    for (const [id, shard] of this.#shards) {
      out[id] = { ...shard.counts, open: this.#engine.shardOpen(shard.index, now) };
    }
    return out;
  }
}
