// The demo's stores: Cache API caches of this origin (`stores.cacheApi`), each behind a
// switch that makes it fail as a store that is down does (every call rejects).
import { stores } from "edgecache";

/** One Cache API cache for the single store, and one per shard. */
export const CACHE_NAMES = Object.freeze({ single: "edgecache-demo", a: "edgecache-demo-a", b: "edgecache-demo-b", c: "edgecache-demo-c" });

/** Deletes every cache the demo uses, so that a page load starts cold. */
export async function emptyAll() {
  await Promise.all(Object.values(CACHE_NAMES).map((name) => caches.delete(name)));
}

/** A KvStore over the Cache API cache `name` that can be killed, revived and emptied. */
export class SwitchableStore {
  /** Whether every call fails. */
  down = false;
  #name;
  #inner;

  /** @param {string} name @param {object} inner stores.cacheApi of that cache */
  constructor(name, inner) {
    this.#name = name;
    this.#inner = inner;
    this.limits = inner.limits;
  }

  /** Opens the Cache API cache `name` as a store. */
  static async open(name) {
    return new SwitchableStore(name, stores.cacheApi(await caches.open(name)));
  }

  /** Starts over with an empty cache (a shard restarted without its data). */
  async empty() {
    await caches.delete(this.#name);
    this.#inner = stores.cacheApi(await caches.open(this.#name));
  }

  #check() {
    if (this.down) throw new Error(`store ${this.#name} is down`);
  }

  async get(key) {
    this.#check();
    return this.#inner.get(key);
  }

  async set(key, value, opts) {
    this.#check();
    return this.#inner.set(key, value, opts);
  }

  async delete(key) {
    this.#check();
    return this.#inner.delete(key);
  }
}
