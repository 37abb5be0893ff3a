// An obviously-correct reference for MemoryCache with the LRU policy: a Map whose
// insertion order is recency (oldest first), lazy expiry, entry and byte bounds; and each
// value that leaves, with why (what onEvict is told), in `evicted`.
export class LruModel {
  constructor({ maxEntries, maxBytes, ttl }) {
    this.maxEntries = maxEntries ?? (maxBytes === undefined ? 10000 : Infinity);
    this.maxBytes = maxBytes ?? Infinity;
    this.ttl = ttl;
    this.entries = new Map();
    this.bytes = 0;
    /** [key, value, reason] of each value that left, in order */
    this.evicted = [];
    Object.assign(this, { hits: 0, misses: 0, evictions: 0, expirations: 0, rejected: 0 });
  }

  #live(key, now) {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (now >= e.expiresAt) {
      this.#drop(key, "expired");
      this.expirations++;
      return null;
    }
    return e;
  }

  #drop(key, reason) {
    const { size, value } = this.entries.get(key);
    this.evicted.push([key, value, reason]);
    this.bytes -= size;
    this.entries.delete(key);
  }

  get(key, now) {
    const e = this.#live(key, now);
    if (!e) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  peek(key, now) {
    const e = this.#live(key, now);
    return e ? e.value : undefined;
  }

  set(key, value, size, ttl, now) {
    const t = ttl ?? this.ttl;
    const expiresAt = t === undefined ? Infinity : now + t;
    if (this.entries.has(key)) this.#drop(key, "replaced");
    if (size > this.maxBytes) {
      this.rejected++;
      return;
    }
    this.entries.set(key, { value, size, expiresAt });
    this.bytes += size;
    while (this.entries.size > this.maxEntries || this.bytes > this.maxBytes) {
      this.#drop(this.entries.keys().next().value, "capacity");
      this.evictions++;
    }
  }

  delete(key, now) {
    const e = this.#live(key, now);
    if (!e) return false;
    this.#drop(key, "explicit");
    return true;
  }
}
