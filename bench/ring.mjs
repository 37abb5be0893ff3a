// The hash ring from JavaScript: edgecache's HashRing beside the npm `hashring` package
// (ketama compatible), same servers, same keys, one process. Lookup speed, identical
// placement, balance, and keys moved when a server joins or leaves.
import HashRingPeer from "hashring";
import { HashRing } from "edgecache";
import { mops, opsPerSecond, ratio, table } from "./harness.mjs";

/** Keys looked up: 2^20, spelled like cache keys. */
const KEYS = Array.from({ length: 1 << 20 }, (_, i) => `user:${i}:profile`);
const MASK = KEYS.length - 1;

/** `count` memcached-style ids on the default port. */
function servers(count, first = 0) {
  return Array.from({ length: count }, (_, i) => `10.0.${(first + i) >> 8}.${(first + i) & 255}:11211`);
}

/**
 * hashring configured to place keys as libmemcached does: point keys leave out the default
 * port ("10.0.0.1-<j>", not "10.0.0.1:11211-<j>"), and `pointsPerNode / 4` digests per
 * server ("vnode count"; it defaults to 40, i.e. 160 points).
 */
function peer(ids, pointsPerNode = 160) {
  return new HashRingPeer(ids, "md5", { "default port": 11211, "vnode count": pointsPerNode / 4 });
}

/** The owner of every key, as an array of node ids. */
function placement(lookup) {
  const out = new Array(KEYS.length);
  for (let i = 0; i < KEYS.length; i++) out[i] = lookup(KEYS[i]);
  return out;
}

/** Largest over mean keys per node. */
function maxOverMean(owners, nodeCount) {
  const counts = new Map();
  for (const id of owners) counts.set(id, (counts.get(id) ?? 0) + 1);
  return Math.max(...counts.values()) / (owners.length / nodeCount);
}

/** Keys whose owner differs, and of those, how many moved to (or from) a node not in `changed`. */
function moved(before, after, changed) {
  let count = 0;
  let elsewhere = 0;
  for (let i = 0; i < before.length; i++) {
    if (before[i] === after[i]) continue;
    count++;
    if (after[i] !== changed && before[i] !== changed) elsewhere++;
  }
  return { count, elsewhere };
}

function lookupSpeed() {
  const ids = servers(10);
  const ours = new HashRing(ids);
  const theirs = peer(ids);
  let sink = 0;
  let a = 0;
  let b = 0;
  let c = 0;
  let d = 0;
  const loops = [
    (n) => { for (let i = 0; i < n; i++) sink += ours.node(KEYS[a++ & MASK]).length; },
    (n) => { for (let i = 0; i < n; i++) sink += theirs.get(KEYS[b++ & MASK]).length; },
    (n) => { for (let i = 0; i < n; i++) sink += ours.nodes(KEYS[c++ & MASK], 3).length; },
    (n) => { for (let i = 0; i < n; i++) sink += theirs.range(KEYS[d++ & MASK], 3).length; },
  ];
  const [node, get, nodes, range] = opsPerSecond(loops, 500_000, 5);
  const rows = [
    ["node(key)  vs get(key)", mops(node), mops(get), ratio(node, get)],
    ["nodes(key, 3)  vs range(key, 3)", mops(nodes), mops(range), ratio(nodes, range)],
  ];
  table(
    "Ring lookups from JavaScript (10 servers, 160 points, 2^20 distinct keys, alternating, median of 5 x 500k)",
    ["operation", "edgecache", "hashring", "ratio"],
    rows,
  );
  return { rows, sink };
}

function balanceAndPlacement() {
  const balance = [];
  const same = [];
  for (const count of [2, 5, 7, 10, 50]) {
    const ids = servers(count);
    const row = [String(count)];
    for (const points of [160, 1000]) {
      const ours = new HashRing(ids, { pointsPerNode: points });
      const theirs = peer(ids, points);
      const a = placement((k) => ours.node(k));
      const b = placement((k) => theirs.get(k));
      let differ = 0;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ++;
      row.push(maxOverMean(a, count).toFixed(3), maxOverMean(b, count).toFixed(3));
      // hashring sizes each server as floor(1/N * digests * N) in double arithmetic, which
      // comes out one digest (4 points) short for some N (7, 14, 28, ... at 160 points).
      const theirPoints = theirs.size / count;
      same.push([`${count} servers, ${points} points`, String(differ), String(theirPoints),
        differ === 0 ? "identical" : theirPoints !== points ? "differ: hashring's point count" : "DIFFER"]);
    }
    balance.push(row);
  }
  table(
    `Balance: max / mean keys per server over ${KEYS.length} keys (1.000 is perfect)`,
    ["servers", "edgecache 160", "hashring 160", "edgecache 1000", "hashring 1000"],
    balance,
  );
  table(
    `Placement: keys whose owner differs between edgecache and hashring (of ${KEYS.length})`,
    ["ring", "keys differing", "hashring points/server", "verdict"],
    same,
  );
  return { balance, same };
}

function movement() {
  const rows = [];
  const trials = 5;
  for (const count of [10, 50]) {
    for (const points of [160, 1000]) {
      const ids = servers(count);
      const ring = new HashRing(ids, { pointsPerNode: points });
      const base = placement((k) => ring.node(k));
      let addSum = 0;
      let addMax = 0;
      let removeSum = 0;
      let removeMax = 0;
      let elsewhere = 0;
      for (let t = 0; t < trials; t++) {
        const [extra] = servers(1, 1000 + t);
        ring.add(extra);
        const added = moved(base, placement((k) => ring.node(k)), extra);
        ring.remove(extra);
        const gone = ids[(t * 7) % count];
        ring.remove(gone);
        const removed = moved(base, placement((k) => ring.node(k)), gone);
        ring.add(gone);
        // Ideal: the newcomer takes 1/(N+1) of the keys; a leaver's 1/N are spread out.
        const addRatio = added.count / KEYS.length / (1 / (count + 1));
        const removeRatio = removed.count / KEYS.length / (1 / count);
        addSum += addRatio;
        removeSum += removeRatio;
        addMax = Math.max(addMax, addRatio);
        removeMax = Math.max(removeMax, removeRatio);
        elsewhere += added.elsewhere + removed.elsewhere;
      }
      rows.push([
        `${count} servers, ${points} points`,
        (addSum / trials).toFixed(3), addMax.toFixed(3),
        (removeSum / trials).toFixed(3), removeMax.toFixed(3),
        String(elsewhere),
      ]);
    }
  }
  table(
    `Keys moved / ideal (add one: 1/(N+1) of keys; remove one: 1/N), edgecache, mean and max of ${trials} trials`,
    ["ring", "add mean", "add max", "remove mean", "remove max", "moved between unchanged nodes"],
    rows,
  );
  return rows;
}

/** Measures and prints every ring table; returns their rows. */
export function ringBench() {
  const speed = lookupSpeed();
  const { balance, same } = balanceAndPlacement();
  const moves = movement();
  return { speed: speed.rows, balance, placement: same, movement: moves };
}
