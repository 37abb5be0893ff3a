// EdgeCache under interleavings and odd inputs (regressions of a review), as runtime-neutral
// cases [name, fn(lib)].
import { equal, ok, throwsCode } from "./check.mjs";

const tick = () => new Promise((r) => setTimeout(r, 0));

/**
 * An in-process store whose reads, while `gate.closed`, take their value at once but answer
 * only after `open()`: a slow read that returns what the store held when it began.
 */
function gatedStore(lib, clock) {
  const base = lib.stores.memory({ now: () => clock.t });
  const gate = { closed: false, waiting: [] };
  gate.open = () => {
    gate.closed = false;
    gate.waiting.splice(0).forEach((r) => r());
  };
  const store = {
    limits: base.limits,
    get: async (k) => {
      const value = await base.get(k);
      if (gate.closed) await new Promise((r) => gate.waiting.push(r));
      return value;
    },
    set: (k, v, o) => base.set(k, v, o),
    delete: (k) => base.delete(k),
  };
  return { base, store, gate };
}

export const raceCases = [
  ["a store read that finishes after a set does not back-fill the older value", async (lib) => {
    const clock = { t: 0 };
    const { store, gate } = gatedStore(lib, clock);
    const writer = new lib.EdgeCache({ store, now: () => clock.t });
    const reader = new lib.EdgeCache({ store, now: () => clock.t });
    await writer.set("k", "old");
    gate.closed = true;
    const read = reader.get("k");
    await tick();
    await reader.set("k", "new");
    gate.open();
    equal(await read, "old", "the read that started first may answer the older value");
    equal(await reader.get("k"), "new", "but memory keeps the newer one");
  }],

  ["a delete during a load is not undone by the load", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    const cache = new lib.EdgeCache({ store: base, now: () => clock.t });
    let release;
    const loading = cache.getOrSet("k", () => new Promise((r) => (release = r)));
    while (!release) await tick();
    await cache.delete("k");
    release("loaded");
    equal(await loading, "loaded");
    await cache.flush();
    equal(await cache.get("k"), undefined, "memory");
    equal(await base.get("ec:k:k"), null, "store");
  }],

  ["write-behind keeps the order of a tagged set and a later delete", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    const cache = new lib.EdgeCache({ store: base, now: () => clock.t, writeMode: "behind", writeBehind: { maxDelay: 1 } });
    const setting = cache.set("k", "v", { tags: ["t"] });
    const deleting = cache.delete("k");
    await Promise.all([setting, deleting]);
    await cache.flush();
    equal(await cache.get("k"), undefined);
    equal(await base.get("ec:k:k"), null, "the delete came last in the store too");
  }],

  ["tags work across instances with a fractional clock", async (lib) => {
    const clock = { t: 1000.25 };
    const base = lib.stores.memory({ now: () => clock.t });
    const make = () => new lib.EdgeCache({ store: base, now: () => clock.t, memoryTtl: 10 });
    const a = make();
    await a.invalidateTags(["t"]);
    clock.t += 0.5;
    await a.set("k", "after", { tags: ["t"] });
    equal(await make().get("k"), "after", "written after the invalidation: valid elsewhere");
  }],

  ["a sharded cache takes keys and tags up to the key limit", async (lib) => {
    const { EdgeCache, stores, MAX_KEY_LENGTH } = lib;
    const cache = new EdgeCache({ store: [stores.memory(), stores.memory(), stores.memory()], replicas: 2 });
    const key = "x".repeat(MAX_KEY_LENGTH);
    const tag = "t".repeat(5000);
    await cache.set(key, "long", { tags: [tag] });
    equal(await new EdgeCache({ store: [stores.memory()] }).get(key), undefined);
    equal(await cache.get(key), "long");
    await cache.invalidateTags([tag]);
    equal(await cache.get(key), undefined);
  }],

  ["a waitUntil that throws never fails the cache's own calls", async (lib) => {
    const clock = { t: 0 };
    const errors = [];
    const cache = new lib.EdgeCache({
      store: lib.stores.memory({ now: () => clock.t }),
      now: () => clock.t,
      waitUntil: () => {
        throw new Error("waitUntil after the response");
      },
      onEvent: (e) => e.type === "error" && errors.push(e),
    });
    equal(await cache.getOrSet("k", () => "v"), "v");
    await cache.flush();
    equal(await cache.get("k"), "v");
    ok(errors.length >= 1, "reported as an error event");
  }],

  ["getOrSet checks its options before calling the loader", async (lib) => {
    const cache = new lib.EdgeCache({ store: lib.stores.memory() });
    let calls = 0;
    for (const opts of [{ ttl: -5 }, { ttl: 0 }, { staleIfError: NaN }, { staleWhileRevalidate: Infinity }]) {
      let code;
      await cache.getOrSet("k", () => calls++, opts).catch((e) => (code = e.code));
      equal(code, "E_ARGUMENT", JSON.stringify(opts));
    }
    equal(calls, 0);
  }],

  ["a record of a later format is a miss and is left alone", async (lib) => {
    const base = lib.stores.memory();
    await base.set("ec:k:k", "ec2|whatever a newer edgecache writes\n{}", {});
    const cache = new lib.EdgeCache({ store: base });
    equal(await cache.get("k"), undefined);
    await cache.flush();
    ok((await base.get("ec:k:k")).startsWith("ec2|"), "not deleted");
  }],

  ["concurrent hits that need a tag re-check share one read of the tag", async (lib) => {
    const clock = { t: 0 };
    const base = lib.stores.memory({ now: () => clock.t });
    let tagReads = 0;
    const store = {
      limits: base.limits,
      get: (k) => (k.includes(":t:") && tagReads++, base.get(k)),
      set: (k, v, o) => base.set(k, v, o),
      delete: (k) => base.delete(k),
    };
    const cache = new lib.EdgeCache({ store, now: () => clock.t, ttl: 100, staleWhileRevalidate: 1000 });
    await cache.set("k", "v", { tags: ["t"] });
    clock.t += 150; // past the tag re-check interval (ttl), inside the stale window
    tagReads = 0;
    const values = await Promise.all(Array.from({ length: 20 }, () => cache.get("k")));
    ok(values.every((v) => v === "v"));
    equal(tagReads, 1);
  }],

  ["a clock that returns NaN, and memory options the cache owns, are rejected", async (lib) => {
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const cache = new EdgeCache({ store: stores.memory(), now: () => NaN });
    let code;
    await cache.set("k", 1).catch((e) => (code = e.code));
    equal(code, "E_CONFIG");
    throwsCode(() => new EdgeCache({ memory: { maxEntries: 5, now: Date.now } }), "E_CONFIG", EdgeCacheError, "memory.now");
    throwsCode(() => new EdgeCache({ memory: { maxEntries: 5, ttl: 5 } }), "E_CONFIG", EdgeCacheError, "memory.ttl");
  }],
];
