// The recommendation API's requests: each is one `getOrSet` of the user's recommendations,
// timed by the page and attributed to the tier that answered it (from the cache's events).

/** Tiers a request can be answered by, as the latency plot shows them. */
const TIERS = Object.freeze(["memory", "store", "loader", "stale-if-error", "error"]);

/** Zipf(s) over user ids 1..n: `next()` draws one (id 1 the most popular). */
export function zipf(n, s = 1) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / (i + 1) ** s;
  return {
    next() {
      const u = Math.random() * sum;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cdf[mid] < u) lo = mid + 1;
        else hi = mid;
      }
      return lo + 1;
    },
  };
}

/**
 * Sends requests to one cache and attributes each to a tier: a memory hit is reported (as
 * a `hit` event) while `getOrSet` runs synchronously or, after a tag check, later for the
 * oldest waiting request of the key; a store hit or a load answers every waiting request of
 * the key (single flight); a `stale` event after a failed load turns them into
 * stale-if-error. A request still unattributed when it resolves joined a load in flight.
 */
export class Requests {
  /** Requests started, answered, failed; answered per tier. */
  counts = { sent: 0, answered: 0, failed: 0, byTier: Object.fromEntries(TIERS.map((t) => [t, 0])) };
  /** Simulated latency (ms) of each answered or failed user request, newest last (at most 20 000). */
  latencies = [];
  #cache;
  #clock;
  #onAnswer;
  /** key -> requests waiting without a tier yet */
  #waiting = new Map();
  /** The request whose getOrSet is running synchronously now. */
  #current = null;
  #inFlight = 0;
  #idle = [];

  /**
   * @param {import("/pkg/dist/browser.js").EdgeCache} cache
   * @param {import("./clock.js").SimClock} clock
   * @param {(r: { tier: string, ms: number, at: number }) => void} onAnswer each request's outcome
   */
  constructor(cache, clock, onAnswer) {
    this.#cache = cache;
    this.#clock = clock;
    this.#onAnswer = onAnswer;
  }

  get inFlight() {
    return this.#inFlight;
  }

  /** Resolves once no request is in flight. */
  idle() {
    return this.#inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.#idle.push(resolve));
  }

  /** The cache's `onEvent` for this request stream. */
  onEvent(e) {
    if (e.key === undefined) return;
    if ((e.type === "hit" || e.type === "stale") && e.tier === "memory") {
      if (this.#current?.key === e.key && this.#current.tier === null) this.#current.tier = "memory";
      else this.#claim(e.key, "memory", 1);
    } else if ((e.type === "hit" || e.type === "stale") && e.tier === "store") {
      this.#claim(e.key, "store");
    } else if (e.type === "load") {
      this.#claim(e.key, "loader");
    } else if (e.type === "stale" && e.reason === "error") {
      for (const r of this.#waiting.get(e.key) ?? []) if (r.tier === null || r.tier === "loader") r.tier = "stale-if-error";
    }
  }

  /** Gives `tier` to up to `n` waiting requests of `key` that have none. */
  #claim(key, tier, n = Infinity) {
    if (this.#current?.key === key && this.#current.tier === null) {
      this.#current.tier = tier;
      n--;
    }
    for (const r of this.#waiting.get(key) ?? []) {
      if (n <= 0) break;
      if (r.tier === null) {
        r.tier = tier;
        n--;
      }
    }
  }

  /**
   * One request: `loader` runs on a miss; resolves with its tier once answered. `user`
   * false keeps it out of `latencies` (the stampede's 1000 requests are not users').
   */
  async send(key, loader, options, user = true) {
    const r = { key, tier: null, started: performance.now(), user };
    this.counts.sent++;
    this.#inFlight++;
    let answer;
    this.#current = r;
    try {
      answer = this.#cache.getOrSet(key, loader, options);
    } finally {
      this.#current = null;
    }
    const list = this.#waiting.get(key) ?? [];
    list.push(r);
    this.#waiting.set(key, list);
    try {
      await answer;
      r.tier ??= "loader";
      this.counts.answered++;
    } catch {
      r.tier = "error";
      this.counts.failed++;
    } finally {
      list.splice(list.indexOf(r), 1);
      if (list.length === 0 && this.#waiting.get(key) === list) this.#waiting.delete(key);
      this.#settle(r);
    }
    return r.tier;
  }

  #settle(r) {
    const real = performance.now() - r.started;
    // Memory and store answers are real (this browser's Cache API); anything that waited
    // for the database waited on the simulated clock.
    const ms = r.tier === "memory" || r.tier === "store" ? real : this.#clock.simulated(real);
    this.counts.byTier[r.tier]++;
    if (r.user) this.latencies.push(ms);
    if (this.latencies.length > 20_000) this.latencies.splice(0, 10_000);
    this.#onAnswer({ tier: r.tier, ms, at: this.#clock.now() });
    if (--this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
  }
}
