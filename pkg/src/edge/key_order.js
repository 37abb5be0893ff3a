// What happened to a key while something was in progress: reads and loads must not write
// back a value older than a `set`/`delete` (or a store write) that came in meanwhile, and
// store writes of one key must go out in the order they were asked for.

/**
 * Reads and loads in progress, per key, each with its own token. A `set` or `delete` of
 * the key marks the running ones dirty (what they load or find is not kept); the end of
 * any store write of the key marks the running ones outdated (what they found in the store
 * may be from before it, so it is not written back; what a loader gives them is kept).
 */
export class InProgress {
  /** key -> Set of tokens `{ n, dirty, outdated }` */
  #tokens = new Map();

  /** Marks `key` as being read or loaded; returns the token to check and to `end`. */
  begin(key) {
    const token = { n: 1, dirty: false, outdated: false };
    const tokens = this.#tokens.get(key);
    if (tokens === undefined) this.#tokens.set(key, new Set([token]));
    else tokens.add(token);
    return token;
  }

  /**
   * `token` (a caller's, taken when its call began) held once more, so that it stays
   * watched until this part of the call ends too; a new token when there is none.
   */
  retain(key, token) {
    if (token === null) return this.begin(key);
    token.n++;
    return token;
  }

  /** The read or load with `token` is over. */
  end(key, token) {
    if (--token.n > 0) return;
    const tokens = this.#tokens.get(key);
    if (tokens === undefined) return;
    tokens.delete(token);
    if (tokens.size === 0) this.#tokens.delete(key);
  }

  /** A `set` or `delete` of `key`: the reads and loads running now are superseded. */
  supersede(key) {
    this.#tokens.get(key)?.forEach((token) => (token.dirty = true));
  }

  /** A `clear`: every read and load running now is superseded. */
  supersedeAll() {
    for (const tokens of this.#tokens.values()) tokens.forEach((token) => (token.dirty = true));
  }

  /** A store write of `key` is over: what the running reads found may be from before it. */
  outdate(key) {
    this.#tokens.get(key)?.forEach((token) => (token.outdated = true));
  }
}

/**
 * Store writes and deletes of one key go out in the order they were asked for: each gets
 * a ticket when asked, and one that reaches its store call after a later one of the same
 * key was already sent is dropped (the later one carries the final state). Writes to
 * different keys, and writes that reach the store in order, never wait for each other.
 */
export class WriteOrder {
  /** key -> { open, sent }: writes of the key not done yet, and the last ticket sent */
  #keys = new Map();
  #sequence = 0;

  /** A ticket for a write of `key` asked for now. */
  ticket(key) {
    let writes = this.#keys.get(key);
    if (writes === undefined) {
      writes = { open: 0, sent: 0 };
      this.#keys.set(key, writes);
    }
    writes.open++;
    return { key, writes, number: ++this.#sequence };
  }

  /** Whether the write may go out now (no later one of its key went out first). */
  claim(ticket) {
    if (ticket.writes.sent > ticket.number) return false;
    ticket.writes.sent = ticket.number;
    return true;
  }

  /** Whether a write or delete of `key` is asked for and not done yet. */
  busy(key) {
    return this.#keys.has(key);
  }

  /** The write is done (sent and settled, or dropped). */
  done(ticket) {
    if (--ticket.writes.open === 0 && this.#keys.get(ticket.key) === ticket.writes) this.#keys.delete(ticket.key);
  }
}
