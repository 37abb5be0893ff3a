// EdgeCache.warm: concurrency, progress, what it skips, its TTLs, tags and failures, and a
// getOrSet that shares its load. Runtime-neutral cases [name, fn(lib)].
import { equal, ok } from "./check.mjs";
import { tick } from "./edge_support.mjs";

function setup(lib, more = {}) {
  const clock = { t: 1000 };
  const now = () => clock.t;
  const store = lib.stores.memory({ now });
  const make = (extra = {}) => new lib.EdgeCache({ store, now, ttl: 1000, ...more, ...extra });
  return { clock, store, make, cache: make() };
}

export const warmingCases = [
  ["warm never runs more than `concurrency` loaders and reports progress in order", async (lib) => {
    const { cache } = setup(lib);
    let live = 0;
    let peak = 0;
    const entries = Array.from({ length: 40 }, (_, i) => ({
      key: ["item", i],
      loader: async () => {
        live++;
        peak = Math.max(peak, live);
        await new Promise((r) => setTimeout(r, i % 3));
        live--;
        return { i };
      },
    }));
    const progress = [];
    const report = await cache.warm(entries, { concurrency: 4, onProgress: (done, total) => progress.push([done, total]) });
    equal([report.total, report.warmed, report.skipped, report.failed], [40, 40, 0, 0]);
    ok(peak <= 4 && peak >= 2, `peak concurrency ${peak}`);
    equal(progress.map(([d]) => d), Array.from({ length: 40 }, (_, i) => i + 1), "monotone");
    ok(progress.every(([, t]) => t === 40));
    equal(await cache.get("item:7"), { i: 7 });
    ok(report.elapsedMs > 0 && report.elapsedMs < 60_000, `elapsed ${report.elapsedMs} ms`);
  }],

  ["warm skips keys already fresh (memory or store) and refreshes the rest", async (lib) => {
    const { cache, make, clock } = setup(lib);
    await cache.set("fresh-here", 1);
    await make().set("fresh-in-store", 2);
    await cache.set("expired", 3, { ttl: 10 });
    clock.t += 20;
    let calls = 0;
    const loader = (v) => () => (calls++, v);
    const report = await cache.warm([
      { key: "fresh-here", loader: loader("x") },
      { key: "fresh-in-store", loader: loader("y") },
      { key: "expired", loader: loader(30) },
      { key: "new", value: 4 },
    ]);
    equal([report.warmed, report.skipped, calls], [2, 2, 1]);
    equal([await cache.get("fresh-in-store"), await cache.get("expired"), await cache.get("new")], [2, 30, 4]);
  }],

  ["warm honours TTLs and tags, and counts failures without rejecting", async (lib) => {
    const { cache, clock, make } = setup(lib);
    const report = await cache.warm([
      { key: "a", value: "A", ttl: 100, tags: ["t1"] },
      { key: "b", loader: () => "B", tags: ["t1"] },
      { key: "c", loader: () => { throw new Error("origin down"); } },
      { key: "d" },
      { key: "", value: 1 },
      { key: "e", value: 1, loader: () => 2 },
    ]);
    equal([report.warmed, report.failed], [2, 4]);
    equal(report.errors.map((e) => e.error.code).sort(), ["E_ARGUMENT", "E_ARGUMENT", "E_KEY", "E_LOADER"]);
    equal(await make().get("b"), "B", "a loaded entry is in the store after warm resolves");
    clock.t += 100;
    equal(await cache.get("a"), undefined, "ttl honoured");
    await cache.invalidateTags(["t1"]);
    equal(await cache.get("b"), undefined, "tags honoured");
  }],

  ["warm checks its arguments", async (lib) => {
    const { cache } = setup(lib);
    for (const [args, what] of [[[5], "entries"], [[[], { concurrency: 0 }], "concurrency"], [[[], { onProgress: 1 }], "onProgress"], [[[], { fast: true }], "unknown option"]]) {
      let code;
      await cache.warm(...args).catch((e) => (code = e.code));
      equal(code, "E_ARGUMENT", what);
    }
  }],

  ["a store write failing under warm reaches warm as E_STORE, not a getOrSet sharing its load", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    const store = { limits: base.limits, get: (k) => base.get(k), set: async () => { throw new Error("store down"); }, delete: (k) => base.delete(k) };
    const cache = new lib.EdgeCache({ store, now: () => clock.t });
    let release;
    const warming = cache.warm([{ key: "k", loader: () => new Promise((r) => (release = r)) }]);
    while (!release) await tick();
    const reading = cache.getOrSet("k", () => "own");
    release(3);
    equal(await reading, 3, "the shared load's value");
    const report = await warming;
    equal(report.failed, 1);
    ok(report.errors[0].error instanceof lib.EdgeCacheError, "an EdgeCacheError");
    equal(report.errors[0].error.code, "E_STORE");
    equal(await cache.get("k"), 3, "memory has it");
  }],

  ["a getOrSet that joins warm's failing load still serves its stale value inside staleIfError", async (lib) => {
    const clock = { t: 0 };
    const cache = new lib.EdgeCache({ store: lib.stores.memory({ now: () => clock.t }), now: () => clock.t, ttl: 1000, staleIfError: 60_000 });
    await cache.getOrSet("k", () => "old");
    clock.t += 5000;
    const failing = async () => {
      await tick();
      throw new Error("origin down");
    };
    const warming = cache.warm([{ key: "k", loader: failing }]);
    await tick();
    equal(await cache.getOrSet("k", failing), "old");
    equal((await warming).failed, 1);
  }],
];
