// EdgeCache over a real platform store, as runtime-neutral cases [name, fn(lib, real)]:
// `real()` makes a fresh adapter over the same backing store (so two EdgeCache instances
// act like two isolates sharing it), `real.raw` is an adapter without edgecache on top
// (to plant records), and `real.limits` its limits. Each case uses its own namespace.
// Logical time is a manual clock; the store's own TTLs are long (Workers KV's 60 s floor).
import { equal, ok } from "./check.mjs";
import { faulty } from "../support/faulty_store.mjs";

const tick = () => new Promise((r) => setTimeout(r, 0));
let run = 0;

function setup(lib, real, more = {}) {
  const clock = { t: 1_000_000 };
  const namespace = `t${Date.now().toString(36)}${run++}`;
  const make = (extra = {}) =>
    new lib.EdgeCache({ store: real(), namespace, now: () => clock.t, ttl: 10_000, ...more, ...extra });
  return { clock, namespace, make, cache: make() };
}

export const storeCases = [
  ["real store: write-through, read from another instance, delete", async (lib, real) => {
    const { cache, make } = setup(lib, real);
    await cache.set(["user", 7], { name: "Ada", n: [1, 2] });
    equal(await make().get("user:7"), { name: "Ada", n: [1, 2] });
    equal(await cache.delete("user:7"), true);
    equal(await make().get("user:7"), undefined);
  }],

  ["real store: 1000 concurrent getOrSet = 1 store read + 1 loader call", async (lib, real) => {
    const { namespace, clock } = setup(lib, real);
    const counted = faulty(real());
    const cache = new lib.EdgeCache({ store: counted, namespace, now: () => clock.t });
    let calls = 0;
    let release;
    const loader = () => {
      calls++;
      return new Promise((r) => (release = r));
    };
    const all = Array.from({ length: 1000 }, () => cache.getOrSet("hot", loader));
    for (let i = 0; i < 50 && !release; i++) await tick();
    ok(release, "the loader was called");
    release({ hot: true });
    const values = await Promise.all(all);
    ok(values.every((v) => v === values[0] && v.hot === true), "one value for all");
    // One read of the key (the clear epoch's record in the same getMany, or in a get beside it).
    const keyReads = counted.log.filter((e) => e.op === "getMany" || (e.op === "get" && !e.key.endsWith(":e:")));
    equal([calls, keyReads.length], [1, 1]);
    await cache.flush();
    equal(counted.calls.set, 1);
  }],

  ["real store: stale-while-revalidate across instances", async (lib, real) => {
    const { make, clock } = setup(lib, real, { staleWhileRevalidate: 60_000 });
    const writer = make();
    await writer.getOrSet("k", () => "v1");
    await writer.flush(); // the loaded value's store write runs in the background
    clock.t += 15_000; // past the 10 s TTL
    const reader = make();
    let refreshed = 0;
    equal(await reader.getOrSet("k", () => (refreshed++, "v2")), "v1", "stale at once");
    await reader.flush();
    equal(refreshed, 1);
    equal(await make().get("k"), "v2", "the refresh reached the store");
  }],

  ["real store: tags invalidate across instances", async (lib, real) => {
    const { make, clock } = setup(lib, real, { memoryTtl: 1000 });
    const a = make();
    const b = make();
    await a.set("p", "profile", { tags: ["user:9"] });
    equal(await b.get("p"), "profile");
    await a.invalidateTags(["user:9"]);
    equal(await a.get("p"), undefined);
    clock.t += 1000;
    equal(await b.get("p"), undefined, "b re-read the tag after memoryTtl");
  }],

  ["real store: corrupt and foreign records are misses and are deleted", async (lib, real) => {
    const { cache, make, namespace } = setup(lib, real);
    await real.raw.set(`${namespace}:k:junk`, "\u0000garbage", {});
    equal(await cache.get("junk"), undefined);
    await cache.set("alice", "a-secret");
    await real.raw.set(`${namespace}:k:bob`, await real.raw.get(`${namespace}:k:alice`), {});
    equal(await make().get("bob"), undefined, "never another key's data");
    await cache.flush();
    equal(await real.raw.get(`${namespace}:k:junk`), null);
    equal(cache.stats().store.corrupt, 1);
  }],

  ["real store: keys longer than the store allows are digested", async (lib, real) => {
    if (real.limits.maxKeyBytes >= lib.MAX_KEY_LENGTH) return; // every key fits this store
    const { cache, make } = setup(lib, real);
    const long = "k".repeat(real.limits.maxKeyBytes + 10);
    await cache.set(long, "long-key value");
    equal(await make().get(long), "long-key value");
  }],

  ["real store: two namespaces never see each other", async (lib, real) => {
    const clock = { t: 0 };
    const a = new lib.EdgeCache({ store: real(), namespace: `a${run}`, now: () => clock.t });
    const b = new lib.EdgeCache({ store: real(), namespace: `b${run++}`, now: () => clock.t });
    await a.set("same", "A");
    equal(await b.get("same"), undefined);
  }],

  ["real store: a value over the store's limit fails set and stays in memory", async (lib, real) => {
    if (real.limits.maxValueBytes > 1024 * 1024) return; // too large to build cheaply here
    const { cache } = setup(lib, real);
    const big = "x".repeat(real.limits.maxValueBytes + 1);
    let code;
    await cache.set("big", big).catch((e) => (code = e.code));
    equal(code, "E_VALUE");
    equal((await cache.get("big")).length, big.length);
  }],
];
