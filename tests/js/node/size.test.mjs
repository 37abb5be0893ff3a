// The one .wasm stays within the size budget (gzipped ≤ 72 KB with everything in: the
// monitoring issue's budget, which replaced the engine redesign's 64 KB and the earlier
// 60 KB: windowed stats, alert rules and mergeable histograms took 6.5 KB), and the npm
// package has exactly what it ships and works once unpacked.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";

const PKG = fileURLToPath(new URL("../../../pkg/", import.meta.url));
const SHIPPED = [
  "CHANGELOG.md", "LICENSE-APACHE", "LICENSE-MIT", "README.md", "dist/browser.js", "dist/core.js", "dist/deno.js",
  "dist/edgecache_bg.wasm", "dist/node.js", "dist/workerd.js", "index.d.ts", "package.json",
];

test("the .wasm is at most 72 KB gzipped", () => {
  const wasm = readFileSync(new URL("../../../pkg/dist/edgecache_bg.wasm", import.meta.url));
  const gz = gzipSync(wasm, { level: 9 }).length;
  assert.ok(gz <= 72 * 1024, `${gz} bytes gzipped`);
});

test("the npm package holds the four entries, their chunk, the .wasm, the types and the texts, and nothing else", () => {
  const out = execFileSync("npm", ["pack", "--dry-run", "--json"], { cwd: PKG, encoding: "utf8" });
  const files = JSON.parse(out)[0].files.map((f) => f.path).sort();
  assert.deepEqual(files, SHIPPED);
});

test("every file the exports, types and sideEffects name is in the package", () => {
  const manifest = JSON.parse(readFileSync(join(PKG, "package.json"), "utf8"));
  const named = [manifest.types, ...Object.values(manifest.exports["."]), ...manifest.sideEffects];
  for (const path of named) assert.ok(SHIPPED.includes(path.replace(/^\.\//, "")), path);
});

test("the packed tarball, unpacked into node_modules, imports (and requires) and answers in a fresh Node", () => {
  const dir = mkdtempSync(join(tmpdir(), "edgecache-pack-"));
  try {
    const tarball = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: PKG, encoding: "utf8" }))[0].filename;
    const into = join(dir, "node_modules", "edgecache");
    mkdirSync(into, { recursive: true });
    execFileSync("tar", ["-xzf", join(dir, tarball), "-C", into, "--strip-components=1"]);
    writeFileSync(join(dir, "probe.mjs"), [
      'import { MemoryCache } from "edgecache";',
      "const c = new MemoryCache({ maxEntries: 2 });",
      'c.set("k", { n: 1 });',
      'console.log(JSON.stringify([import.meta.resolve("edgecache").split("/node_modules/")[1], c.get("k")]));',
    ].join("\n"));
    const out = execFileSync(process.execPath, ["probe.mjs"], { cwd: dir, encoding: "utf8" });
    assert.deepEqual(JSON.parse(out), ["edgecache/dist/node.js", { n: 1 }]);
    // CommonJS callers too (Node 20.19+ and 22.12+ require ES modules without top-level await).
    writeFileSync(join(dir, "probe.cjs"), 'console.log(typeof require("edgecache").EdgeCache);');
    assert.equal(execFileSync(process.execPath, ["--no-warnings", "probe.cjs"], { cwd: dir, encoding: "utf8" }).trim(), "function");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
