// The one .wasm stays within the size budget (issue: gzipped ≤ 60 KB with everything in).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

test("the .wasm is at most 60 KB gzipped", () => {
  const wasm = readFileSync(new URL("../../../pkg/dist/edgecache_bg.wasm", import.meta.url));
  const gz = gzipSync(wasm, { level: 9 }).length;
  assert.ok(gz <= 60 * 1024, `${gz} bytes gzipped`);
});
