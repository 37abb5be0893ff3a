// Several Worker isolates over one Workers KV namespace: one Miniflare runs eight cache
// workers (w1…w8; workerd gives each worker an isolate of its own, checked below), each
// with per-isolate EdgeCaches (module level, no waitUntil), all bound to the same KV
// namespace, and an origin worker whose module-level counter counts the loader calls of
// all of them (reached over a service binding). w1 exports the EdgeCacheLease Durable
// Object; w2…w8 bind it by scriptName.
//
// Measured (figures printed as test diagnostics):
// 1. loader calls for one cold key asked of all eight workers at once, without a
//    coordinator (each isolate has its own single flight) and with coordinators.durableObject
//    (one call, every worker answers its value);
// 2. how long the other workers keep serving a value from their memory tier after a delete,
//    set or tag invalidation made through w1. There is no bus between Worker isolates:
//    workerd has no BroadcastChannel, and a Worker cannot keep a subscription open across
//    requests (a request may not await I/O another request started), so nothing tells the
//    others and the bound is memoryTtl;
// 3. the same with buses.durableObject, the bus that fits those rules: each isolate's cache
//    polls the EdgeCacheBus Durable Object every PULL_EVERY ms of its clock, in the
//    background of the call that finds the poll due.
// Time is injected (`?t=`), so the test never sleeps for a TTL.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { MINIFLARE, startWorkers } from "./harness.mjs";

const WORKERS = 8;
const NAMES = Array.from({ length: WORKERS }, (_, i) => `w${i + 1}`);
/** How long the origin takes to answer a load (ms): all eight requests are in before the first load ends. */
const LOAD_MS = 150;
/** The caches' memoryTtl (ms, injected time). */
const MEMORY_TTL = 10_000;
const RUNS = 3;
/** The bus's poll interval (pollMs; ms, injected time). */
const PULL_EVERY = 1000;

let workers;
let fetchers;
let origin;
before(async () => {
  const file = new URL("./multi_worker.worker.mjs", import.meta.url);
  const cacheWorker = (name, durableObjects) => ({
    name,
    file,
    kvNamespaces: { KV: "shared-kv" },
    durableObjects,
    serviceBindings: { ORIGIN: "origin" },
    bindings: { NAME: name, MEMORY_TTL, PULL_EVERY },
  });
  workers = await startWorkers([
    cacheWorker("w1", { LEASES: "EdgeCacheLease", BUS: "EdgeCacheBus" }),
    ...NAMES.slice(1).map((name) => cacheWorker(name, { LEASES: { className: "EdgeCacheLease", scriptName: "w1" }, BUS: { className: "EdgeCacheBus", scriptName: "w1" } })),
    { name: "origin", file: new URL("./multi_worker_origin.worker.mjs", import.meta.url), bindings: { LOAD_MS } },
  ]);
  fetchers = await Promise.all(NAMES.map((name) => workers.mf.getWorker(name)));
  origin = await workers.mf.getWorker("origin");
});
after(() => workers?.dispose());

/** Sends `cmd` with `args` to a fetcher (a worker); its JSON answer. */
async function ask(fetcher, cmd, args = {}) {
  const res = await fetcher.fetch(`https://edgecache.test/?${new URLSearchParams({ cmd, ...args })}`);
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test(`workerd (${MINIFLARE}): the ${WORKERS} workers are ${WORKERS} isolates sharing one KV namespace`, async () => {
  const first = await Promise.all(fetchers.map((f) => ask(f, "whoami")));
  const second = await Promise.all(fetchers.map((f) => ask(f, "whoami")));
  assert.deepEqual(first.map((w) => w.name), NAMES);
  // Module state is per worker: each counted its own two requests, each has its own id.
  assert.deepEqual(second.map((w) => w.requests), first.map((w) => w.requests + 1));
  assert.deepEqual(second.map((w) => w.isolate), first.map((w) => w.isolate));
  assert.equal(new Set(first.map((w) => w.isolate)).size, WORKERS);
  await ask(fetchers[0], "kvPut", { key: "shared", value: "from w1" });
  assert.deepEqual(await Promise.all(fetchers.map((f) => ask(f, "kvGet", { key: "shared" }))), Array(WORKERS).fill("from w1"));
});

/** One cold key asked of every worker at once through the `ns` cache: loader calls, answers, call times (ms). */
async function race(ns, key) {
  const timed = fetchers.map(async (f) => {
    const t0 = performance.now();
    const value = await ask(f, "load", { ns, key });
    return { value, ms: performance.now() - t0 };
  });
  const answers = await Promise.all(timed);
  const calls = await ask(origin, "calls", { key: `${ns}/${key}` });
  return { calls, values: answers.map((a) => a.value), ms: answers.map((a) => a.ms) };
}

const callTimes = (ms) => `call time median ${median(ms).toFixed(0)} ms, max ${Math.max(...ms).toFixed(0)} ms`;

test(`workerd (${MINIFLARE}): without a coordinator, each of ${WORKERS} isolates loads a cold key itself`, async (t) => {
  await Promise.all(fetchers.map((f) => ask(f, "whoami"))); // every isolate started
  for (let run = 0; run < RUNS; run++) {
    const { calls, values, ms } = await race("plain", `cold-${run}`);
    t.diagnostic(`no coordinator, ${WORKERS} workers, one cold key, loader ${LOAD_MS} ms: ${calls} loader calls, ${callTimes(ms)}`);
    // Each isolate's single flight is its own: the loads overlap, so more than one runs.
    assert.ok(calls > 1 && calls <= WORKERS, `${calls} loader calls`);
    assert.equal(new Set(values.map((v) => v.n)).size, calls, "each loading worker answers its own load");
  }
});

test(`workerd (${MINIFLARE}): with coordinators.durableObject, ${WORKERS} isolates make one loader call for a cold key`, async (t) => {
  await Promise.all(fetchers.map((f) => ask(f, "whoami")));
  for (let run = 0; run < RUNS; run++) {
    const { calls, values, ms } = await race("leased", `cold-${run}`);
    t.diagnostic(`coordinators.durableObject, ${WORKERS} workers, one cold key, loader ${LOAD_MS} ms: ${calls} loader call(s), ${callTimes(ms)}`);
    assert.equal(calls, 1);
    assert.deepEqual(values, Array(WORKERS).fill({ n: 1 }));
  }
});

/** The changes w1 makes, in the `ns` cache at `t`, and what a read gives after each. */
const CHANGES = {
  delete: { run: (ns, key, tag, t) => ask(fetchers[0], "delete", { ns, key, t }), after: null },
  set: { run: (ns, key, tag, t) => ask(fetchers[0], "set", { ns, key, value: "v1", t }), after: "v1" },
  invalidateTags: { run: (ns, key, tag, t) => ask(fetchers[0], "invalidate", { ns, tag, t }), after: null },
};

/**
 * For each kind of change: every worker reads a key into the `ns` cache's memory at a base
 * time, w1 changes it `changeAfter` ms later, and the others read it at each of `probes`
 * (ms after the base; the last is when they must all see the change). How many of the
 * seven others still served the old value at each probe goes to the diagnostics.
 */
async function spread(t, { ns, changeAfter, probes, label }) {
  let base = ns === "pulled" ? 1_000_000 : 0; // each test, and each kind, on a later stretch of the injected clock
  for (const [kind, { run, after: changed }] of Object.entries(CHANGES)) {
    base += 100_000;
    const key = `spread-${kind}`;
    const tag = `tag-${kind}`;
    for (const f of fetchers) assert.equal(await ask(f, "prime", { ns, key, tag, value: "v0", t: base }), "v0");
    const changedAt = base + changeAfter;
    await run(ns, key, tag, changedAt);
    const readAt = (f, at) => ask(f, "get", { ns, key, t: at });
    assert.equal(await readAt(fetchers[0], changedAt), changed, `${kind}: w1 reads its own change at once`);
    const others = fetchers.slice(1);
    const stale = [];
    for (const [i, probe] of probes.entries()) {
      const read = await Promise.all(others.map((f) => readAt(f, base + probe)));
      stale.push(read.filter((v) => v === "v0").length);
      if (i === probes.length - 1) assert.deepEqual(read, Array(others.length).fill(changed), `${kind}: what the others read at the end`);
    }
    t.diagnostic(
      `${label}, ${WORKERS} workers, memoryTtl ${MEMORY_TTL} ms, ${kind} through w1 ${changeAfter} ms after all read the key: ` +
        probes.map((probe, i) => `${stale[i]}/${others.length} others still serve the old value at +${probe - changeAfter} ms`).join(", "),
    );
    // Until the last probe nothing told the others: they serve their copy; at the last they read the change.
    assert.deepEqual(stale, [...probes.slice(1).map(() => others.length), 0], kind);
  }
}

test(`workerd (${MINIFLARE}): without a bus, a change made in one isolate reaches the others' reads at memoryTtl, not before`, async (t) => {
  await spread(t, { ns: "plain", changeAfter: 1000, probes: [1000, MEMORY_TTL - 1, MEMORY_TTL], label: "no bus" });
});

// buses.durableObject: each isolate's cache polls the EdgeCacheBus object every PULL_EVERY
// ms of its clock, in the background of the call that finds the poll due (that call serves
// what memory holds; the calls after it see the change). The bound becomes PULL_EVERY and
// one call instead of memoryTtl.
test(`workerd (${MINIFLARE}): with buses.durableObject, a change reaches the others' reads at their first call after a poll`, async (t) => {
  const changeAfter = PULL_EVERY / 2;
  await spread(t, { ns: "pulled", changeAfter, probes: [changeAfter, PULL_EVERY - 1, PULL_EVERY, PULL_EVERY], label: `buses.durableObject (pollMs ${PULL_EVERY})` });
  const pulls = (await Promise.all(fetchers.map((f) => ask(f, "pullTimes")))).flat();
  // A poll at each prime (one per kind and worker) and at the first probe past pollMs (the others).
  assert.equal(pulls.length, Object.keys(CHANGES).length * (2 * WORKERS - 1));
  t.diagnostic(`a poll (one Durable Object round trip, in the background of the call that finds it due): median ${median(pulls)} ms, max ${Math.max(...pulls)} ms over ${pulls.length} polls (Miniflare, loopback)`);
});
