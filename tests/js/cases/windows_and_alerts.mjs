// The sliding window, alert rules, report() and mergeable snapshots, on the injected clock.
// Runtime-neutral cases [name, fn(lib)].
import { equal, ok, throwsCode } from "./check.mjs";

/** A memory-only cache on a manual clock whose alert events are collected. */
function watched(lib, options) {
  const clock = { t: 0 };
  const alerts = [];
  const cache = new lib.EdgeCache({ now: () => clock.t, ttl: 3_600_000, onEvent: (e) => e.type === "alert" && alerts.push(e), ...options });
  return { clock, alerts, cache };
}

/** One read a second for `seconds` s: a hit on "hot" with probability `hits` (in tenths), else a miss. */
async function traffic(w, seconds, tenthsHit) {
  for (let s = 0; s < seconds; s++) {
    for (let i = 0; i < 10; i++) {
      await w.cache.getOrSet(i < tenthsHit ? "hot" : `cold:${w.clock.t}:${i}`, () => 1);
    }
    w.clock.t += 1000;
  }
}

export const windowAlertCases = [
  ["a hit-rate rule fires once when the window's hit rate falls, and resolves once after recovery", async (lib) => {
    const w = watched(lib, { stats: { window: 10_000 }, alerts: { minHitRate: 0.7, minSamples: 50 } });
    await w.cache.getOrSet("hot", () => 1);
    await traffic(w, 20, 9); // ~90 % hits
    equal(w.alerts.length, 0, "healthy");
    await traffic(w, 20, 3); // ~30 % hits
    equal(w.alerts.map((a) => a.state), ["firing"], "fires once");
    const fired = w.alerts[0];
    equal([fired.rule, fired.threshold, fired.window], ["minHitRate", 0.7, 10_000]);
    ok(fired.value < 0.7 && fired.value >= 0.3, `value ${fired.value}`);
    equal(w.cache.stats().alerts.map((a) => a.rule), ["minHitRate"], "stats lists it");
    await traffic(w, 30, 10);
    equal(w.alerts.map((a) => a.state), ["firing", "resolved"], "resolves once");
    equal(w.cache.stats().alerts, [], "nothing firing");
  }],

  ["no rule fires under minSamples", async (lib) => {
    const w = watched(lib, { alerts: { minHitRate: 0.9, minSamples: 100 } });
    for (let i = 0; i < 99; i++) await w.cache.getOrSet(`k${i}`, () => i);
    w.clock.t += 10_000;
    equal(w.cache.stats().window.reads, 99);
    equal([w.alerts.length, w.cache.stats().alerts.length], [0, 0], "99 misses are not enough");
    await w.cache.getOrSet("k100", () => 1);
    w.clock.t += 10_000;
    equal(w.cache.stats().alerts.map((a) => [a.rule, a.value]), [["minHitRate", 0]]);
    equal(w.alerts.length, 1);
  }],

  ["a memory rule fires when the memory tier passes its share of the bound, and resolves below it", async (lib) => {
    const w = watched(lib, { memory: { maxEntries: 10 }, alerts: { maxMemoryUsage: 0.8 } });
    for (let i = 0; i < 9; i++) await w.cache.set(`k${i}`, i);
    w.clock.t += 6_000; // the next slice of the window: the rules are due
    await w.cache.get("k0");
    equal(w.alerts.map((a) => [a.rule, a.state, a.value, a.threshold]), [["maxMemoryUsage", "firing", 0.9, 0.8]]);
    equal(w.cache.stats().memory.usage, 0.9);
    for (let i = 0; i < 6; i++) await w.cache.delete(`k${i}`);
    w.clock.t += 6_000;
    await w.cache.get("k8");
    equal(w.alerts.map((a) => a.state), ["firing", "resolved"]);
  }],

  ["an error-rate rule fires when store calls fail", async (lib) => {
    const clock = { t: 0 };
    const alerts = [];
    const base = lib.stores.memory({ now: () => clock.t });
    let down = false;
    const store = { limits: base.limits, get: (k) => (down ? Promise.reject(new Error("down")) : base.get(k)), set: (k, v, o) => base.set(k, v, o), delete: (k) => base.delete(k) };
    const cache = new lib.EdgeCache({ store, memory: false, now: () => clock.t, alerts: { maxErrorRate: 0.2, minSamples: 20 }, onEvent: (e) => e.type === "alert" && alerts.push(e) });
    for (let i = 0; i < 20; i++) await cache.get(`k${i}`);
    down = true;
    for (let i = 0; i < 20; i++) await cache.get(`k${i}`);
    clock.t += 6_000;
    await cache.get("x");
    equal(alerts.map((a) => [a.rule, a.state]), [["maxErrorRate", "firing"]]);
    ok(alerts[0].value >= 0.45 && alerts[0].value <= 0.55, `about half the calls failed: ${alerts[0].value}`);
  }],

  ["the window forgets what is older than its length; the lifetime counters keep it", async (lib) => {
    const w = watched(lib, { stats: { window: 12_000 } });
    await w.cache.getOrSet("a", () => 1);
    await w.cache.get("a");
    let s = w.cache.stats();
    equal([s.window.length, s.window.reads, s.window.memory.hits, s.reads], [12_000, 2, 1, 2]);
    w.clock.t += 12_000;
    s = w.cache.stats();
    equal([s.window.reads, s.window.memory.hits, s.reads, s.memory.hits], [0, 0, 2, 1]);
    equal(s.window.memory.latency.count, 0);
    const off = new lib.EdgeCache({ stats: { window: 0 } });
    equal(off.stats().window, undefined, "stats: { window: 0 } keeps no window");
  }],

  ["stats has one hit rate per tier, rounded, and the memory tier's occupancy without its own hit rate", async (lib) => {
    const w = watched(lib, {});
    for (let i = 0; i < 3; i++) await w.cache.getOrSet(`k${i % 2}`, () => i); // miss, miss, hit
    const s = w.cache.stats();
    equal([s.hitRate, s.memory.hitRate, s.reads], [0.3333, 0.3333, 3]);
    equal([s.memory.tier.hitRate, s.memory.tier.hits, s.memory.tier.size], [undefined, undefined, 2]);
    ok(Array.isArray(s.memory.latency.buckets) && s.memory.latency.buckets.reduce((a, b) => a + b, 0) === s.memory.latency.count, "buckets add up to the count");
    equal(lib.latencyBounds().length, 120);
  }],

  ["merged snapshots add counts and histograms; percentiles are those of the summed buckets", async (lib) => {
    const a = watched(lib, {});
    const b = watched(lib, {});
    for (let i = 0; i < 30; i++) await a.cache.getOrSet(`k${i % 3}`, () => i);
    for (let i = 0; i < 10; i++) await b.cache.getOrSet(`k${i}`, () => i);
    const [sa, sb] = [a.cache.stats(), b.cache.stats()];
    const snapshots = JSON.parse(JSON.stringify([a.cache.snapshot(), b.cache.snapshot()])); // they travel as JSON
    const m = lib.mergeStats(snapshots);
    equal([m.lifetime.reads, m.lifetime.memory.hits, m.lifetime.loader.loads], [40, 27, 13]);
    equal(m.lifetime.hitRate, 0.675);
    equal(m.window.length, 60_000);
    const sum = (x, y) => Array.from({ length: Math.max(x.length, y.length) }, (_, i) => (x[i] ?? 0) + (y[i] ?? 0));
    equal(m.lifetime.loader.latency.buckets, sum(sa.loader.latency.buckets, sb.loader.latency.buckets));
    // A snapshot merged with itself: every count doubles, the percentiles stay.
    const twice = lib.mergeStats([snapshots[0], snapshots[0]]).lifetime;
    const once = lib.mergeStats([snapshots[0]]).lifetime;
    equal([twice.loader.latency.count, twice.loader.latency.p99], [2 * once.loader.latency.count, once.loader.latency.p99]);
    equal(once.loader.latency.p50, sa.loader.latency.p50, "one snapshot merged is the cache's own stats");
    throwsCode(() => lib.mergeStats([{ ...snapshots[0], lifetime: [1, 2] }]), "E_ARGUMENT", lib.EdgeCacheError, "damaged");
    throwsCode(() => lib.mergeStats([]), "E_ARGUMENT", lib.EdgeCacheError, "empty");
  }],

  ["report() summarises the window as an object and as lines of text", async (lib) => {
    const w = watched(lib, { namespace: "shop", memory: { maxEntries: 100 }, alerts: { minHitRate: 0.99, minSamples: 1 } });
    for (let i = 0; i < 4; i++) await w.cache.getOrSet(`k${i % 2}`, () => i);
    w.clock.t += 6_000;
    const r = w.cache.report();
    equal([r.namespace, r.window, r.reads, r.hitRate.overall, r.memory.entries, r.memory.usage], ["shop", 60_000, 4, 0.5, 2, 0.02]);
    equal(r.alerts.map((a) => a.rule), ["minHitRate"]);
    const text = String(r);
    ok(text.startsWith("edgecache shop, last 60 s: 4 reads"), text);
    ok(text.includes("hit rate  50.0 %") && text.includes("firing: minHitRate"), text);
  }],

  ["a clock stepped back by more than the window starts the window afresh; alerts are still judged", async (lib) => {
    const w = watched(lib, { stats: { window: 10_000 }, alerts: { minHitRate: 0.8, minSamples: 10 } });
    w.clock.t = 1_000_000;
    await w.cache.getOrSet("hot", () => 1);
    for (let i = 0; i < 20; i++) await w.cache.get("hot");
    w.clock.t -= 120_000; // an NTP step back
    for (let s = 0; s < 12; s++) {
      for (let i = 0; i < 10; i++) await w.cache.get(`absent:${s}:${i}`);
      w.clock.t += 1000;
    }
    const s = w.cache.stats();
    // 10 s of the 12 s after the step (the oldest slice leaves whole), none of the hits before it.
    ok(s.window.reads >= 80 && s.window.reads <= 110 && s.window.memory.hits === 0, `the window holds what came after the step: ${JSON.stringify([s.window.reads, s.window.memory.hits])}`);
    equal(w.alerts.map((a) => [a.rule, a.state]), [["minHitRate", "firing"]]);
  }],

  ["a firing rule resolves at low traffic once the reads hold again", async (lib) => {
    const w = watched(lib, { stats: { window: 10_000 }, alerts: { minHitRate: 0.8, minSamples: 50 } });
    for (let i = 0; i < 60; i++) await w.cache.get(`absent:${i}`);
    w.clock.t += 1000;
    await w.cache.getOrSet("hot", () => 1);
    equal(w.alerts.map((a) => a.state), ["firing"]);
    for (let s = 0; s < 15; s++) {
      w.clock.t += 1000;
      await w.cache.get("hot"); // one read a second, every one a hit
    }
    equal(w.alerts.map((a) => a.state), ["firing", "resolved"]);
    equal(w.cache.stats().alerts, []);
  }],

  ["rules are judged on deletes, invalidations, forced loads and warming too", async (lib) => {
    const w = watched(lib, { alerts: { maxErrorRate: 0.5, minSamples: 5 } });
    const failing = () => {
      throw new Error("origin down");
    };
    for (let i = 0; i < 6; i++) await w.cache.getOrSet(`k${i}`, failing, { forceRefresh: true }).catch(() => {});
    w.clock.t += 6_000;
    await w.cache.delete("k0");
    equal(w.alerts.map((a) => [a.rule, a.state]), [["maxErrorRate", "firing"]], "judged on delete");
    await w.cache.warm([{ key: "w", value: 1 }]);
    for (let i = 0; i < 20; i++) await w.cache.getOrSet(`ok${i}`, () => i, { forceRefresh: true });
    w.clock.t += 61_000;
    await w.cache.warm([{ key: "w2", loader: () => 2 }]);
    equal(w.alerts.map((a) => a.state), ["firing", "resolved"], "judged on a warming load");
    w.clock.t += 6_000;
    await w.cache.invalidateTags(["t"]);
  }],

  ["a failed or timed-out store call is counted once: the error rate stays a rate", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    const store = {
      limits: base.limits,
      get: (k) => base.get(k),
      set: () => new Promise(() => {}), // never settles: every write times out
      delete: () => Promise.reject(new Error("down")),
    };
    const cache = new lib.EdgeCache({ store, memory: false, now: () => clock.t, timeout: 5 });
    for (let i = 0; i < 5; i++) await cache.set(`k${i}`, i).catch(() => {});
    await cache.delete("k0").catch(() => {});
    const s = cache.stats();
    // Six failed writes and deletes; the delete's read first (to tell whether the key was there) is the seventh call.
    equal([s.store.writeErrors, s.store.timeouts, s.reads, s.store.latency.count, s.calls, s.errorRate], [6, 0, 0, 1, 7, 0.8571]);
  }],

  ["without a memory tier each read is counted once, whatever its replicas did", async (lib) => {
    const clock = { t: 0 };
    const up = lib.stores.memory({ now: () => clock.t });
    const down = { limits: up.limits, get: () => Promise.reject(new Error("down")), set: () => Promise.reject(new Error("down")), delete: () => Promise.reject(new Error("down")) };
    const cache = new lib.EdgeCache({ store: { a: up, b: down }, replicas: 2, memory: false, now: () => clock.t });
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, i).catch(() => {});
    for (let i = 0; i < 10; i++) equal(await cache.get(`k${i}`), i);
    const s = cache.stats();
    equal([s.reads, s.hitRate, s.store.hits], [10, 1, 10]);
  }],

  ["deletes count as store writes, so write-behind deletes do not inflate the error rate", async (lib) => {
    const clock = { t: 0 };
    const cache = new lib.EdgeCache({ store: lib.stores.memory({ now: () => clock.t }), now: () => clock.t, writeMode: "behind" });
    for (let i = 0; i < 10; i++) await cache.set(`k${i}`, i);
    await cache.flush();
    for (let i = 0; i < 10; i++) await cache.delete(`k${i}`);
    await cache.flush();
    const s = cache.stats();
    equal([s.store.writes, s.store.writeErrors, s.errorRate], [20, 0, 0]);
  }],

  ["mergeStats refuses holes, non-numbers and a mix of windowed and unwindowed snapshots", async (lib) => {
    const a = new lib.EdgeCache().snapshot();
    const b = new lib.EdgeCache({ stats: { window: 0 } }).snapshot();
    const holed = a.lifetime.slice();
    delete holed[3];
    const throwing = { valueOf() {
      throw new Error("no");
    } };
    for (const [bad, what] of [
      [[{ ...a, lifetime: holed }], "a hole"],
      [[{ ...a, lifetime: [throwing, ...a.lifetime.slice(1)] }], "an object"],
      [[a, b], "with and without a window"],
      [[{ ...a, window: "x" }], "a window that is no list"],
    ]) throwsCode(() => lib.mergeStats(bad), "E_ARGUMENT", lib.EdgeCacheError, what);
    equal(lib.mergeStats([b, b]).window, undefined, "none without windows");
  }],

  ["bad alert rules throw E_CONFIG naming the rule", async (lib) => {
    const cases = [
      [{ minHitRate: 2 }, "minHitRate"],
      [{ maxLatency: { edge: 5 } }, "edge"],
      [{ maxLatency: "fast" }, "maxLatency"],
      [{ maxLatency: { store: 100, percentile: 0 } }, "percentile"],
      [{ maxErrorRate: -1 }, "maxErrorRate"],
      [{ minSamples: 0.5 }, "minSamples"],
      [{ maxHitRate: 0.5 }, "maxHitRate"],
    ];
    for (const [alerts, name] of cases) {
      const e = throwsCode(() => new lib.EdgeCache({ alerts }), "E_CONFIG", lib.EdgeCacheError, name);
      ok(e.message.includes(name), e.message);
    }
    throwsCode(() => new lib.EdgeCache({ alerts: { minHitRate: 0.5 }, stats: { window: 0 } }), "E_CONFIG", lib.EdgeCacheError, "no window");
    throwsCode(() => new lib.EdgeCache({ alerts: { window: 1000 }, stats: { window: 2000 } }), "E_CONFIG", lib.EdgeCacheError, "two windows");
    throwsCode(() => new lib.EdgeCache({ stats: { span: 1 } }), "E_CONFIG", lib.EdgeCacheError, "stats option");
    for (const window of [999, 1e-300, 1e308, 8 * 24 * 3_600_000]) {
      throwsCode(() => new lib.EdgeCache({ stats: { window } }), "E_CONFIG", lib.EdgeCacheError, `window ${window}`);
    }
    throwsCode(() => new lib.EdgeCache({ memory: false, alerts: { maxMemoryUsage: 0.9 } }), "E_CONFIG", lib.EdgeCacheError, "usage without memory");
  }],
];
