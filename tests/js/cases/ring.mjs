// HashRing behaviour, as runtime-neutral cases: each entry is [name, fn(lib)] where lib is
// the imported package. Node, Deno, workerd and Chromium all run this list.
import { equal, ok, throwsCode } from "./check.mjs";

/** libmemcached's weighted test pool (tests/fixtures/README.md), in its order. */
export const LIBMEMCACHED_SERVERS = [
  ["10.0.1.1:11211", 600], ["10.0.1.2:11211", 300], ["10.0.1.3:11211", 200],
  ["10.0.1.4:11211", 350], ["10.0.1.5:11211", 1000], ["10.0.1.6:11211", 800],
  ["10.0.1.7:11211", 950], ["10.0.1.8:11211", 100],
];

/**
 * Ten of libmemcached's 99 vectors (tests/fixtures/vectors/ketama_libmemcached.tsv; Node checks
 * all of them): key, expected host in ketama mode, in spy mode. Between them they reach
 * every server in both modes; two keys hold a literal backslash.
 */
const VECTORS = [
  ["SVa_]_V41)", "10.0.1.7", "10.0.1.2"],
  ["*/Z;?V(.\\8", "10.0.1.1", "10.0.1.4"],
  ["30C1*Z*S/_", "10.0.1.2", "10.0.1.2"],
  ["6,cEI`F_P>", "10.0.1.6", "10.0.1.3"],
  ["@7RU6C6T+Z", "10.0.1.5", "10.0.1.6"],
  ["726bW=9*a4", "10.0.1.7", "10.0.1.3"],
  ["\\`)<B)UE,c", "10.0.1.1", "10.0.1.8"],
  ["P1[Ma3=K1/", "10.0.1.8", "10.0.1.1"],
  ["D[HE+cFXDK", "10.0.1.3", "10.0.1.5"],
  ["FL;\\GWacaV", "10.0.1.4", "10.0.1.7"],
];

/**
 * Keys beyond ASCII (hashed as UTF-8, a lone surrogate as U+FFFD) on five equal servers,
 * with owners from the npm `hashring` package, an independent ketama implementation.
 * The long ones fill the 4096-code-unit key limit (up to 12 286 UTF-8 bytes).
 */
const UNICODE = [
  ["café", "10.0.0.5:11211"],
  ["日本語:キー", "10.0.0.3:11211"],
  ["emoji 😀 key", "10.0.0.2:11211"],
  ["lone \ud800 surrogate", "10.0.0.4:11211"],
  ["日".repeat(4095) + "1", "10.0.0.3:11211"],
  ["é".repeat(4095) + "3", "10.0.0.1:11211"],
  ["😀".repeat(2047) + "4", "10.0.0.4:11211"],
  ["a".repeat(4095) + "5", "10.0.0.5:11211"],
  ["\udc00".repeat(4095) + "0", "10.0.0.2:11211"],
];

/** `count` "10.2.0.i:11211" ids. */
function servers(count) {
  return Array.from({ length: count }, (_, i) => `10.2.0.${i + 1}:11211`);
}

/** `count` distinct keys. */
function keys(count) {
  return Array.from({ length: count }, (_, i) => `key:${i}`);
}

const host = (id) => id.split(":")[0];

export const ringCases = [
  ["ring: libmemcached vectors, ketama and spy modes", ({ HashRing }) => {
    const nodes = LIBMEMCACHED_SERVERS.map(([id, weight]) => ({ id, weight }));
    const ketama = new HashRing(nodes);
    const spy = new HashRing(nodes, { mode: "spy", pointsPerNode: 160 });
    for (const [key, inKetama, inSpy] of VECTORS) {
      equal(host(ketama.node(key)), inKetama, `ketama owner of ${key}`);
      equal(host(spy.node(key)), inSpy, `spy owner of ${key}`);
    }
    equal(ketama.size, 8);
  }],

  ["ring: keys are UTF-8 hashed; arrays of parts join with ':'", ({ HashRing }) => {
    const ring = new HashRing(Array.from({ length: 5 }, (_, i) => `10.0.0.${i + 1}:11211`));
    for (const [key, owner] of UNICODE) {
      equal(ring.node(key), owner, `owner of ${key.slice(0, 12)} (${key.length} code units)`);
    }
    equal(ring.node(["user", 123, "recs"]), ring.node("user:123:recs"));
    equal(ring.node(["user", 123, "recs"]), "10.0.0.5:11211");
  }],

  ["ring: adding a node moves keys only to it; removing moves only its keys", ({ HashRing }) => {
    const ring = new HashRing(servers(10));
    const ks = keys(20_000);
    const before = ks.map((k) => ring.node(k));
    ring.add("10.2.0.99:11211");
    equal(ring.size, 11);
    let moved = 0;
    ks.forEach((k, i) => {
      const now = ring.node(k);
      if (now !== before[i]) {
        equal(now, "10.2.0.99:11211", `${k} moved between old nodes`);
        moved++;
      }
    });
    const ideal = ks.length / 11;
    ok(moved > 0.7 * ideal && moved < 1.3 * ideal, `moved ${moved} keys, ideal ${ideal.toFixed(0)}`);
    equal(ring.remove("10.2.0.99:11211"), true);
    equal(ks.map((k) => ring.node(k)), before, "removing the added node restores every owner");
    equal(ring.remove("10.2.0.3:11211"), true);
    equal(ring.remove("10.2.0.3:11211"), false, "already gone");
    ks.forEach((k, i) => {
      if (before[i] !== "10.2.0.3:11211") equal(ring.node(k), before[i], `${k} kept its owner`);
      else ok(ring.node(k) !== "10.2.0.3:11211", `${k} left the removed node`);
    });
  }],

  ["ring: nodes(key, n) are distinct, in ring order, starting with node(key)", ({ HashRing }) => {
    const ring = new HashRing(servers(6), { pointsPerNode: 40 });
    for (const k of keys(500)) {
      const all = ring.nodes(k, 6);
      equal(all.length, 6);
      equal(new Set(all).size, 6, `owners of ${k} are distinct`);
      equal(all[0], ring.node(k));
      for (let n = 0; n <= 6; n++) equal(ring.nodes(k, n), all.slice(0, n), `nodes(${k}, ${n}) is a prefix`);
      equal(ring.nodes(k, 100), all, "n above size gives every node");
    }
    const single = new HashRing(["only:1"]);
    equal(single.nodes("k", 3), ["only:1"]);
    equal(new HashRing([]).nodes("k", 3), []);
  }],

  ["ring: weights share keys in proportion", ({ HashRing }) => {
    const ring = new HashRing([{ id: "a:1", weight: 1 }, { id: "b:1", weight: 3 }, "c:1"]);
    const counts = { "a:1": 0, "b:1": 0, "c:1": 0 };
    for (const k of keys(40_000)) counts[ring.node(k)]++;
    const share = (id) => counts[id] / 40_000;
    ok(Math.abs(share("a:1") - 0.2) < 0.04, `a: ${share("a:1")}`);
    ok(Math.abs(share("b:1") - 0.6) < 0.06, `b: ${share("b:1")}`);
    ok(Math.abs(share("c:1") - 0.2) < 0.04, `c: ${share("c:1")}`);
  }],

  ["ring: lookups survive wasm memory growth", ({ HashRing, MemoryCache }) => {
    const ring = new HashRing(servers(7));
    const ks = keys(2000);
    const before = ks.map((k) => ring.node(k));
    // 1M points (8 MB) and a large cache grow the module's memory, detaching old views.
    const big = new HashRing(servers(100), { pointsPerNode: 10_000 });
    const cache = new MemoryCache({ maxEntries: 200_000 });
    for (let i = 0; i < 200_000; i++) cache.set(`k${i}`, i);
    equal(ks.map((k) => ring.node(k)), before);
    equal(ks.map((k) => ring.nodes(k, 1)[0]), before);
    ok(big.node("k").startsWith("10.2.0."));
  }],

  ["ring: bad nodes and options throw E_CONFIG", ({ HashRing, EdgeCacheError }) => {
    const bad = [
      [() => new HashRing("10.0.1.1:11211"), "nodes must be an array"],
      [() => new HashRing(), "nodes must be an array"],
      [() => new HashRing([42]), "id string"],
      [() => new HashRing([null]), "id string"],
      [() => new HashRing([""]), "empty"],
      [() => new HashRing(["a b:1"]), "whitespace"],
      [() => new HashRing(["host:port"]), "port"],
      [() => new HashRing(["h:70000"]), "port"],
      [() => new HashRing(["a:1", "a:1"]), "twice"],
      [() => new HashRing(["h", "h:11211"]), "same server"],
      [() => new HashRing([{ id: "a:1", weight: 0 }]), "weight"],
      [() => new HashRing([{ id: "a:1", weight: 1.5 }]), "weight"],
      [() => new HashRing([{ id: "a:1", weight: "2" }]), "weight"],
      [() => new HashRing([{ id: 7 }]), "id"],
      [() => new HashRing([{ weight: 2 }]), "no id"],
      [() => new HashRing([{ id: "a:1", wieght: 2 }]), "wieght"],
      [() => new HashRing([], 160), "options must be an object"],
      [() => new HashRing([], { points: 160 }), "unknown option \"points\""],
      [() => new HashRing([], { pointsPerNode: 0 }), "pointsPerNode"],
      [() => new HashRing([], { pointsPerNode: 162 }), "multiple of 4"],
      [() => new HashRing([], { pointsPerNode: 10_004 }), "pointsPerNode"],
      [() => new HashRing([], { pointsPerNode: "160" }), "pointsPerNode"],
      [() => new HashRing([], { mode: "libketama" }), "\"ketama\" or \"spy\""],
      [() => new HashRing(servers(500), { pointsPerNode: 10_000 }), "fewer nodes"],
    ];
    for (const [fn, words] of bad) {
      const e = throwsCode(fn, "E_CONFIG", EdgeCacheError, words);
      ok(e.message.includes(words), `"${e.message}" mentions ${words}`);
    }
    equal(new HashRing([], { pointsPerNode: undefined, mode: undefined }).size, 0, "undefined options are skipped");
  }],

  ["ring: bad calls throw E_ARGUMENT, E_KEY or E_EMPTY_RING and change nothing", ({ HashRing, EdgeCacheError }) => {
    const ring = new HashRing(servers(3));
    const before = keys(200).map((k) => ring.node(k));
    throwsCode(() => ring.add("10.2.0.1:11211"), "E_ARGUMENT", EdgeCacheError, "duplicate add");
    throwsCode(() => ring.add("10.2.0.1"), "E_ARGUMENT", EdgeCacheError, "same server");
    throwsCode(() => ring.add({ id: "x:1", weight: -1 }), "E_ARGUMENT", EdgeCacheError, "bad weight");
    throwsCode(() => ring.add(5), "E_ARGUMENT", EdgeCacheError, "not a node");
    throwsCode(() => ring.remove(1), "E_ARGUMENT", EdgeCacheError, "remove a number");
    throwsCode(() => ring.nodes("k", -1), "E_ARGUMENT", EdgeCacheError, "negative n");
    throwsCode(() => ring.nodes("k", 1.5), "E_ARGUMENT", EdgeCacheError, "fractional n");
    throwsCode(() => ring.nodes("k", "2"), "E_ARGUMENT", EdgeCacheError, "string n");
    throwsCode(() => ring.nodes("k"), "E_ARGUMENT", EdgeCacheError, "missing n");
    throwsCode(() => ring.node(""), "E_KEY", EdgeCacheError, "empty key");
    throwsCode(() => ring.node(undefined), "E_KEY", EdgeCacheError, "undefined key");
    throwsCode(() => ring.node("k".repeat(4097)), "E_KEY", EdgeCacheError, "long key");
    throwsCode(() => ring.nodes([], 1), "E_KEY", EdgeCacheError, "empty array key");
    equal(ring.size, 3);
    equal(keys(200).map((k) => ring.node(k)), before, "failed calls changed nothing");

    const empty = new HashRing([]);
    const e = throwsCode(() => empty.node("k"), "E_EMPTY_RING", EdgeCacheError, "empty ring");
    ok(e.message.includes("add"), e.message);
    empty.add({ id: "10.2.0.1:11211", weight: 2 });
    equal(empty.node("k"), "10.2.0.1:11211");
    equal(empty.remove("10.2.0.1:11211"), true);
    throwsCode(() => empty.node("k"), "E_EMPTY_RING", EdgeCacheError, "emptied ring");
  }],

  ["remove takes the same server under another spelling of its id, as add refuses it", (lib) => {
    const ring = new lib.HashRing(["h", "x:1"]);
    ok(ring.remove("h:11211"), "h:11211 is h");
    equal([ring.size, ring.node("k")], [1, "x:1"]);
    const other = new lib.HashRing(["h:11211", "x:1"]);
    ok(other.remove("h"), "h is h:11211");
    equal(other.size, 1);
    equal(other.remove("h"), false, "gone");
    equal(other.remove("x:2"), false, "another port is another server");
  }],
];
