// HashRing in Node, through the package's "node" export: the runtime-neutral cases, all 99
// libmemcached vectors in both modes, and placement equal to the npm `hashring` package.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import HashRingPeer from "hashring";
import * as lib from "edgecache";
import { LIBMEMCACHED_SERVERS, ringCases } from "../cases/ring.mjs";

for (const [name, fn] of ringCases) test(name, () => fn(lib));

/** The ketama vectors of the repository (tests/fixtures/vectors). */
const VECTORS = new URL("../../fixtures/vectors/ketama_libmemcached.tsv", import.meta.url);

function vectors() {
  let text;
  try {
    text = readFileSync(VECTORS, "latin1");
  } catch (e) {
    throw new Error(`ketama vectors not found in tests/fixtures/vectors (${e.code})`);
  }
  const [header, ...lines] = text.split("\n").map((l) => l.replace(/\r$/, ""));
  assert.equal(header, "key\thash1\thash2\tketama\tspy");
  // Keys are raw: a backslash in the file is one literal backslash.
  return lines.filter((l) => l !== "").map((l) => {
    const [key, , , ketama, spy] = l.split("\t");
    return { key, ketama, spy };
  });
}

test("all 99 libmemcached vectors, ketama and spy modes", () => {
  const all = vectors();
  assert.equal(all.length, 99);
  const nodes = LIBMEMCACHED_SERVERS.map(([id, weight]) => ({ id, weight }));
  const ketama = new lib.HashRing(nodes);
  const spy = new lib.HashRing(nodes, { mode: "spy" });
  for (const { key, ketama: inKetama, spy: inSpy } of all) {
    assert.equal(ketama.node(key).split(":")[0], inKetama, `ketama owner of ${key}`);
    assert.equal(spy.node(key).split(":")[0], inSpy, `spy owner of ${key}`);
    // Array parts joined with ":" are the same key (a backslash in a part escaped as two).
    const parts = key.split(":");
    assert.equal(ketama.node(parts), ketama.node(parts.map((p) => p.replaceAll("\\", "\\\\")).join(":")));
    if (!key.includes("\\")) assert.equal(ketama.node(parts), ketama.node(key));
  }
});

test("placement equals the npm hashring package (160 points, equal weights)", () => {
  const keys = Array.from({ length: 100_000 }, (_, i) => `user:${i}:recs`);
  for (const count of [1, 2, 5, 10, 50]) {
    const ids = Array.from({ length: count }, (_, i) => `10.0.${i >> 8}.${i & 255}:11211`);
    const ours = new lib.HashRing(ids);
    // hashring spells point keys "<host>:<port>-<j>" unless told the default port.
    const peer = new HashRingPeer(ids, "md5", { "default port": 11211 });
    let differ = 0;
    for (const k of keys) if (ours.node(k) !== peer.get(k)) differ++;
    assert.equal(differ, 0, `${count} servers: ${differ} keys placed differently`);
    for (const k of keys.slice(0, 2000)) {
      assert.deepEqual(ours.nodes(k, 3), peer.range(k, Math.min(3, count)), `replicas of ${k}`);
    }
  }
});
