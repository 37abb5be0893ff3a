// The repository's copies of the test data match the sums in tests/fixtures/README.md, so a
// figure measured on them is measured on the published files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

const FIXTURES = new URL("../../fixtures/", import.meta.url);

/** `[file, sha256]` rows of the README's table. */
function listed() {
  const readme = readFileSync(new URL("README.md", FIXTURES), "utf8");
  return [...readme.matchAll(/^\| `([^`]+)` \| \d+ \| `([0-9a-f]{64})` \|$/gm)].map((m) => [m[1], m[2]]);
}

test("the fixtures README lists the four traces and the ring vectors", () => {
  assert.deepEqual(listed().map(([file]) => file).sort(), [
    "traces/OLTP.lis.zst",
    "traces/P3.lis.zst",
    "traces/cloudPhysicsIO.oracleGeneral.bin.zst",
    "traces/gli.trace.gz",
    "vectors/ketama_libmemcached.tsv",
  ]);
});

for (const [file, sum] of listed()) {
  test(`${file} has the sha256 its README gives`, () => {
    const actual = createHash("sha256").update(readFileSync(new URL(file, FIXTURES))).digest("hex");
    assert.equal(actual, sum);
  });
}
