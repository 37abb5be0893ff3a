// The one .wasm stays within the size budget (gzipped ≤ 72 KB with everything in: the
// monitoring issue's budget, which replaced the engine redesign's 64 KB and the earlier
// 60 KB: windowed stats, alert rules and mergeable histograms took 6.5 KB), and the npm
// package has what it ships.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

test("the .wasm is at most 72 KB gzipped", () => {
  const wasm = readFileSync(new URL("../../../pkg/dist/edgecache_bg.wasm", import.meta.url));
  const gz = gzipSync(wasm, { level: 9 }).length;
  assert.ok(gz <= 72 * 1024, `${gz} bytes gzipped`);
});

test("the npm package carries the README, both licence texts, the types and the .wasm", () => {
  const pkg = fileURLToPath(new URL("../../../pkg/", import.meta.url));
  const out = execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: pkg, encoding: "utf8" });
  const files = JSON.parse(out)[0].files.map((f) => f.path);
  for (const name of ["README.md", "LICENSE-MIT", "LICENSE-APACHE", "index.d.ts", "dist/edgecache_bg.wasm", "dist/edgecache.js", "node.js", "workerd.js", "deno.js", "browser.js"]) {
    assert.ok(files.includes(name), `${name} in ${files.join(" ")}`);
  }
  assert.ok(!files.some((f) => f.startsWith("node_modules/")), "no node_modules");
});
