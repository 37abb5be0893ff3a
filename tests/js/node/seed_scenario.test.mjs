// The seed story as an integration test: a personalised "recommendation service" runs five
// slow queries per request. Behind EdgeCache.getOrSet the database sees a fraction of the
// load and responses drop from seconds to milliseconds. Latency is simulated: each query
// and store call adds its cost to the request's virtual time (nothing sleeps).
import { test } from "node:test";
import assert from "node:assert/strict";
import { EdgeCache, stores } from "edgecache";
import { seeded } from "../cases/check.mjs";

const QUERIES = ["profile", "history", "similar", "trending", "inventory"];
const QUERY_MS = 600;
const STORE_MS = 5;
const USERS = 300;
const REQUESTS = 3000;

/** A trace of user ids, skewed so that some users come back often (Zipf-like). */
function trace() {
  const r = seeded(2024);
  return Array.from({ length: REQUESTS }, () => Math.floor(USERS * Math.pow(r.next(), 2.5)));
}

function service({ cached }) {
  const clock = { t: 0 };
  const counts = { db: 0, store: 0, elapsed: 0 };
  const db = (user, q) => {
    counts.db++;
    counts.elapsed += QUERY_MS;
    return { user, q, items: [user, q.length] };
  };
  const base = stores.memory({ now: () => clock.t });
  const store = {
    limits: base.limits,
    get: (k) => (counts.store++, (counts.elapsed += STORE_MS), base.get(k)),
    set: (k, v, o) => (counts.store++, base.set(k, v, o)),
    delete: (k) => (counts.store++, base.delete(k)),
  };
  const cache = new EdgeCache({ store, now: () => clock.t, ttl: 5 * 60_000, memory: { maxEntries: 500 } });
  const handle = async (user) => {
    const parts = [];
    for (const q of QUERIES) {
      parts.push(cached ? await cache.getOrSet(["recs", user, q], () => db(user, q)) : db(user, q));
    }
    return parts;
  };
  return { clock, counts, cache, handle };
}

async function run(cached) {
  const s = service({ cached });
  const latencies = [];
  for (const user of trace()) {
    const before = s.counts.elapsed;
    const parts = await s.handle(user);
    assert.equal(parts.length, QUERIES.length);
    assert.ok(parts.every((p) => p.user === user), "every response is the right user's");
    latencies.push(s.counts.elapsed - before);
    s.clock.t += 100; // 10 requests per second
  }
  await s.cache.flush();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    dbCalls: s.counts.db,
    storeCalls: s.counts.store,
    meanMs: latencies.reduce((a, b) => a + b, 0) / latencies.length,
    p50Ms: latencies[Math.floor(latencies.length / 2)],
  };
}

test("seed scenario: five slow queries per request, before and after EdgeCache", async () => {
  const before = await run(false);
  const after = await run(true);
  console.log("seed scenario (virtual time):", JSON.stringify({ before, after }));
  assert.equal(before.dbCalls, REQUESTS * QUERIES.length);
  assert.equal(before.meanMs, QUERIES.length * QUERY_MS);
  const distinctUsers = new Set(trace()).size;
  assert.equal(after.dbCalls, distinctUsers * QUERIES.length, "each (user, query) loaded once within the TTL");
  assert.ok(after.dbCalls <= before.dbCalls * 0.2, "at least 80 % less database load");
  assert.ok(after.p50Ms <= 150, `median response ${after.p50Ms} ms`);
});
