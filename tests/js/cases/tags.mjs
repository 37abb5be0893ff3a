// Tags: invalidateTags, here at once and elsewhere within memoryTtl, and the stored tag
// generations (raced, unreadable, garbage, expired, at their largest, on shards).
// Runtime-neutral cases [name, fn(lib)].
import { equal, ok } from "./check.mjs";
import { hooked, pause, rejectsCodeSettled as rejectsCode, setup } from "./edge_support.mjs";

export const tagCases = [
  ["tags: invalidation makes entries misses here at once and elsewhere within memoryTtl", async (lib) => {
    const { cache, make, clock } = setup(lib, { memoryTtl: 200 });
    await cache.set("u1", "a", { tags: ["user:1"] });
    await cache.set("u2", "b", { tags: ["user:2"] });
    const other = make({ memoryTtl: 200 });
    equal(await other.get("u1"), "a");
    await cache.invalidateTags(["user:1"]);
    equal(await cache.get("u1"), undefined, "this isolate: at once");
    equal(await cache.get("u2"), "b", "other tags untouched");
    clock.t += 200;
    equal(await other.get("u1"), undefined, "another isolate: after memoryTtl");
    let loads = 0;
    equal(await cache.getOrSet("u1", () => (loads++, "a2"), { tags: ["user:1"] }), "a2");
    equal(loads, 1, "the invalidated entry was loaded again");
    await cache.flush();
    equal(await make().get("u1"), "a2", "a value written after the invalidation is valid");
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

  ["a set whose tag generation is still being read does not survive an invalidation after it", async (lib) => {
    const clock = { t: 1000 };
    const now = () => clock.t;
    const { store, ctl } = hooked(lib, now);
    const cache = new lib.EdgeCache({ store, now });
    let slow = true;
    ctl.hook = (op, key) => (op !== "set" && key.includes(":t:t") && slow ? ((slow = false), { delay: 20, early: true }) : {});
    const setting = cache.set("k", "before", { tags: ["t"] });
    await pause(1);
    await cache.invalidateTags(["t", "u"]);
    equal(await cache.get("k"), undefined, "this isolate, at once");
    await setting;
    await cache.flush();
    equal(await cache.get("k"), undefined, "this isolate, once the read landed");
    equal(await new lib.EdgeCache({ store, now }).get("k"), undefined, "another isolate");
  }],

  ["a load that began before an invalidation of its tag is returned but not cached", async (lib) => {
    const clock = { t: 1000 };
    const now = () => clock.t;
    const { store } = hooked(lib, now);
    const cache = new lib.EdgeCache({ store, now });
    await cache.invalidateTags(["user:1"]);
    let db = "old";
    const loading = cache.getOrSet("profile:1", async () => {
      const v = db;
      await pause(10);
      return v;
    }, { tags: ["user:1"] });
    await pause(2);
    db = "new";
    clock.t += 1;
    await cache.invalidateTags(["user:1"]);
    equal(await loading, "old", "the caller that asked first gets what was loaded");
    await cache.flush();
    equal(await cache.getOrSet("profile:1", async () => db, { tags: ["user:1"] }), "new");
  }],

  ["while invalidateTags reads the stored generation, reads see it and sets made after it survive it", async (lib) => {
    const clock = { t: 1_000_000 };
    const now = () => clock.t;
    const { store, ctl } = hooked(lib, now);
    await new lib.EdgeCache({ store, now }).set("old", "from another isolate", { tags: ["t"] });
    const cache = new lib.EdgeCache({ store, now, ttl: 60_000 });
    equal(await cache.get("old"), "from another isolate", "back-filled, the tag's generation known");
    clock.t += 10;
    ctl.hook = (op, key) => (op !== "set" && key.includes(":t:") ? { delay: 10 } : {});
    const invalidating = cache.invalidateTags(["t"]);
    await pause(1);
    equal(await cache.get("old"), undefined, "invalidated here before the store answered");
    await cache.set("new", "after", { tags: ["t"] });
    await invalidating;
    ctl.hook = null;
    equal(await cache.get("new"), "after", "a set made after the invalidation began");
    equal(await new lib.EdgeCache({ store, now, memory: false }).get("new"), "after", "also in another isolate");
  }],

  ["invalidateTags never lowers a tag's stored generation (another isolate's clock ran ahead)", async (lib) => {
    const clock = { t: 1_000_000 };
    const now = () => clock.t;
    const { store, inner } = hooked(lib, now);
    const a = new lib.EdgeCache({ store, now });
    const b = new lib.EdgeCache({ store, now: () => clock.t + 5000 });
    await a.invalidateTags(["t"]);
    await b.invalidateTags(["t"]);
    const generation = async () => Number(/^g1:(\d+);$/.exec(await inner.get("ec:t:t"))[1]);
    const raised = await generation();
    await new lib.EdgeCache({ store, now }).set("k", "before a's invalidation", { tags: ["t"] });
    clock.t += 100;
    await a.invalidateTags(["t"]);
    ok((await generation()) > raised, "raised past b's generation");
    equal(await new lib.EdgeCache({ store, now }).get("k"), undefined, "invalidated for a fresh isolate");
  }],

  ["invalidateTags that cannot read the stored generation rejects and writes nothing", async (lib) => {
    const clock = { t: 1_000_000 };
    const now = () => clock.t;
    const { store, ctl, inner } = hooked(lib, now);
    const ahead = new lib.EdgeCache({ store, now: () => clock.t + 10_000 });
    await ahead.invalidateTags(["t"]);
    const raised = await inner.get("ec:t:t");
    await ahead.set("k", "after", { tags: ["t"] });
    const cache = new lib.EdgeCache({ store, now });
    ctl.hook = (op, key) => (op !== "set" && key.includes(":t:") ? { fail: true } : {});
    let code;
    await cache.invalidateTags(["t"]).catch((e) => (code = e.code));
    equal(code, "E_STORE");
    ctl.hook = null;
    equal(await inner.get("ec:t:t"), raised, "the stored generation is untouched");
    equal(await new lib.EdgeCache({ store, now }).get("k"), "after", "another isolate");
  }],

  ["an entry whose tag generation cannot be read is not served as current", async (lib) => {
    const clock = { t: 1000 };
    const now = () => clock.t;
    const { store, ctl } = hooked(lib, now);
    const writer = new lib.EdgeCache({ store, now });
    await writer.set("k", "before", { tags: ["t"] });
    clock.t += 10;
    await writer.invalidateTags(["t"]);
    const fresh = new lib.EdgeCache({ store, now });
    ctl.hook = (op, key) => (key.includes(":t:") && op !== "set" ? { fail: true } : {});
    equal(await fresh.get("k"), undefined, "tag store down");
    ctl.hook = null;
    equal(await fresh.get("k"), undefined, "tag store back");
  }],

  ["a tagged set whose tag generation cannot be read rejects E_STORE and caches nothing", async (lib) => {
    // Found by review: the record was stamped generation 0, a miss for ever, and set resolved.
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const base = stores.memory();
    let failTagReads = false;
    const store = {
      limits: base.limits,
      get: (k) => (failTagReads && k.includes(":t:") ? Promise.reject(new Error("down")) : base.get(k)),
      set: (k, v, o) => base.set(k, v, o),
      delete: (k) => base.delete(k),
    };
    await new EdgeCache({ store }).invalidateTags(["t"]);
    const cache = new EdgeCache({ store });
    failTagReads = true;
    await rejectsCode(cache.set("k", "v", { tags: ["t"] }), "E_STORE", EdgeCacheError, "set");
    failTagReads = false;
    equal(await cache.get("k"), undefined, "not in memory either");
    await cache.set("k", "v", { tags: ["t"] });
    equal(await new EdgeCache({ store }).get("k"), "v", "once the tag can be read");
  }],

  ["a tag whose generation record is garbage counts as invalidated until invalidateTags rewrites it", async (lib) => {
    const { EdgeCache, stores } = lib;
    for (const garbage of ["zz", "", "1e300", "-5", "1.5", " 7", "0x10", "99999999999999999999"]) {
      const clock = { t: 5000 };
      const base = stores.memory({ now: () => clock.t });
      const errors = [];
      const make = () => new EdgeCache({ store: base, memory: false, now: () => clock.t, onEvent: (e) => e.type === "error" && errors.push(e) });
      const writer = make();
      await writer.invalidateTags(["t"]);
      await writer.set("k", "v", { tags: ["t"] });
      equal(await make().get("k"), "v", `${JSON.stringify(garbage)}: valid before`);
      await base.set("ec:t:t", garbage, {});
      const reader = make();
      equal(await reader.get("k"), undefined, `${JSON.stringify(garbage)}: an unreadable generation invalidates`);
      ok(errors.some((e) => e.tier === "store" && /generation/.test(e.reason)), `${JSON.stringify(garbage)}: reported`);
      await rejectsCode(reader.set("k", "written while unreadable", { tags: ["t"] }), "E_STORE", lib.EdgeCacheError, `${JSON.stringify(garbage)}: a set under it`);
      equal(await make().get("k"), undefined, `${JSON.stringify(garbage)}: still not current`);
      clock.t += 1;
      await reader.invalidateTags(["t"]);
      equal(await make().get("k"), undefined, `${JSON.stringify(garbage)}: the entry from before stays invalidated`);
      await reader.set("k", "after", { tags: ["t"] });
      equal(await make().get("k"), "after", `${JSON.stringify(garbage)}: cacheable again`);
    }
  }],

  ["an invalidation whose store write failed counts here for memoryTtl only, then the store's generation wins", async (lib) => {
    // Found by the simulation: the isolate kept its own raise for ever and never again took
    // the entries other isolates wrote under the store's generation.
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const clock = { t: 10_000 };
    const now = () => clock.t;
    const base = stores.memory({ now });
    let failTagWrites = false;
    const store = {
      limits: base.limits,
      get: (k) => base.get(k),
      set: async (k, v, o) => {
        if (failTagWrites && k.startsWith("ec:t:")) throw new Error("store down");
        return base.set(k, v, o);
      },
      delete: (k) => base.delete(k),
    };
    const a = new EdgeCache({ store, now, memoryTtl: 1000 });
    const b = new EdgeCache({ store: base, now, memoryTtl: 1000 });
    await b.invalidateTags(["t"]);
    failTagWrites = true;
    clock.t += 10;
    await rejectsCode(a.invalidateTags(["t"]), "E_STORE", EdgeCacheError, "the failed invalidation");
    failTagWrites = false;
    await b.set("k", "written under the store's generation", { tags: ["t"] });
    equal(await a.get("k"), undefined, "invalidated in this isolate at once");
    clock.t += 1000;
    equal(await a.get("k"), "written under the store's generation", "after memoryTtl the store's view");
  }],

  ["a tag generation that went down (two invalidations raced) is taken as the store has it", async (lib) => {
    // Found by the simulation: an isolate that had read the higher generation kept it, and
    // never again took the entries others wrote under the lower one that landed last.
    const { EdgeCache, stores } = lib;
    const clock = { t: 10_000 };
    const now = () => clock.t;
    const base = stores.memory({ now });
    const a = new EdgeCache({ store: base, now, memoryTtl: 1000 });
    await base.set("ec:t:t", "g1:9000;", {});
    await a.set("k", "before", { tags: ["t"] });
    equal(await a.get("k"), "before");
    await base.set("ec:t:t", "g1:10005;", {}); // the higher one landed first ...
    clock.t += 1000;
    equal(await a.get("k"), undefined, "invalidated");
    await base.set("ec:t:t", "g1:10003;", {}); // ... the lower one last
    const b = new EdgeCache({ store: base, now, memoryTtl: 1000 });
    await b.set("k", "after", { tags: ["t"] });
    clock.t += 1000;
    equal(await a.get("k"), "after", "the entry written under the store's generation");
  }],

  ["tag generation records expire, and no tagged entry outlives them", async (lib) => {
    // A missing record reads as generation 0: an entry written before the invalidation that
    // wrote the record must be gone before the record is.
    const { EdgeCache, stores } = lib;
    const day = 24 * 3_600_000;
    const clock = { t: 10 * day };
    const now = () => clock.t;
    const base = stores.memory({ now });
    const make = () => new EdgeCache({ store: base, memory: false, now });
    await make().set("tagged", "v", { tags: ["t"], ttl: 365 * day });
    await make().set("plain", "v", { ttl: 365 * day });
    clock.t += 1;
    await make().invalidateTags(["t"]);
    equal(await make().get("tagged"), undefined, "invalidated");
    clock.t += 30 * day - 1; // 30 days after the entry was written
    ok((await base.get("ec:t:t")) !== null, "the generation is kept 30 days");
    equal(await base.get("ec:k:tagged"), null, "the tagged entry went first, though its ttl is a year");
    clock.t += 1;
    equal(await base.get("ec:t:t"), null, "then the generation");
    equal(await make().get("tagged"), undefined, "nothing comes back");
    equal(await make().get("plain"), "v", "an untagged entry keeps its ttl");
  }],

  ["a tag generation record cut short is not read as a smaller generation", async (lib) => {
    const { EdgeCache, stores } = lib;
    const clock = { t: 1_733_200_000_000 };
    const base = stores.memory({ now: () => clock.t });
    const make = () => new EdgeCache({ store: base, memory: false, now: () => clock.t });
    await make().invalidateTags(["t"]);
    await make().set("k", "before", { tags: ["t"] });
    equal(await make().get("k"), "before", "current");
    clock.t += 1000;
    await make().invalidateTags(["t"]); // a generation 1000 above the entry's
    equal(await make().get("k"), undefined, "invalidated");
    const record = await base.get("ec:t:t");
    for (let cut = 1; cut < record.length; cut++) {
      await base.set("ec:t:t", record.slice(0, record.length - cut), {});
      equal(await make().get("k"), undefined, `cut by ${cut}`);
    }
  }],

  ["a tag at the largest generation is not invalidated silently: invalidateTags rejects E_STORE", async (lib) => {
    const { EdgeCache, EdgeCacheError, stores } = lib;
    const clock = { t: 10_000 };
    const base = stores.memory({ now: () => clock.t });
    const make = () => new EdgeCache({ store: base, memory: false, now: () => clock.t });
    await base.set("ec:t:t", "g1:4503599627370496;", {});
    await make().set("k", "v1", { tags: ["t"] });
    equal(await make().get("k"), "v1");
    clock.t += 1000;
    await rejectsCode(make().invalidateTags(["t"]), "E_STORE", EdgeCacheError, "at the maximum");
    await base.delete("ec:t:t"); // the reset the message asks for
    await make().invalidateTags(["t"]);
    await make().set("k", "v2", { tags: ["t"] });
    clock.t += 1000;
    await make().invalidateTags(["t"]);
    equal(await make().get("k"), undefined, "invalidations work again once the record was reset");
  }],

  ["sharded: an invalidation that one owner of the tag missed rejects E_STORE", async (lib) => {
    const { EdgeCache, EdgeCacheError, HashRing, stores } = lib;
    const clock = { t: 1_000_000 };
    const now = () => clock.t;
    const bases = [stores.memory({ now }), stores.memory({ now })];
    let failing = null;
    const shards = bases.map((b, i) => ({
      limits: b.limits,
      get: (k) => b.get(k),
      delete: (k) => b.delete(k),
      set: async (k, v, o) => {
        if (failing === i && k.startsWith("ec:t:")) throw new Error("shard down");
        return b.set(k, v, o);
      },
    }));
    const [primary] = new HashRing(["0", "1"]).nodes("ec:t:t", 2).map(Number);
    const make = () => new EdgeCache({ store: shards, replicas: 2, now, memory: false });
    await make().invalidateTags(["t"]);
    clock.t += 1000;
    await make().set("k", "before", { tags: ["t"] });
    clock.t += 1000;
    failing = primary;
    await rejectsCode(make().invalidateTags(["t"]), "E_STORE", EdgeCacheError, "the primary missed it");
  }],
];
