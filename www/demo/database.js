// The recommendation API's database: six slow queries per request, one after another, on
// the simulated clock (the seed's 500 + 300 + 1200 + 400 + 800 + 600 ms = 3.8 s).

/** The six queries of one request: [name, simulated ms]. */
export const QUERIES = Object.freeze([
  ["profile", 500], ["history", 300], ["similar users", 1200],
  ["catalog", 400], ["ranking", 800], ["inventory", 600],
]);

/** Simulated ms of one uncached request: the six queries' sum. */
export const UNCACHED_MS = QUERIES.reduce((sum, [, ms]) => sum + ms, 0);

/** A database that can be made to fail: a failing one refuses the first query of a request. */
export class Database {
  /** Queries started, failed ones included. */
  queries = 0;
  /** Whether queries fail (after their time, like a database that stopped answering well). */
  failing = false;
  #clock;

  /** @param {import("./clock.js").SimClock} clock */
  constructor(clock) {
    this.#clock = clock;
  }

  /** A user's recommendations: six queries (a failing database throws at the first). */
  async recommendations(userId) {
    let due = this.#clock.now();
    for (const [name, ms] of QUERIES) {
      this.queries++;
      await this.#clock.until((due += ms));
      if (this.failing) throw new Error(`database unavailable: query "${name}" failed`);
    }
    return { user: userId, items: picks(String(userId)), at: Math.round(this.#clock.now()) };
  }
}

/** Five product ids that depend on the user (a stand-in for the ranking). */
function picks(seed) {
  let h = 2166136261;
  for (const ch of seed) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return Array.from({ length: 5 }, (_, i) => ((h >>> (i * 5)) % 997) + 1);
}
