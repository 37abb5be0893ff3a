// The README's TypeScript snippets type-check against the package's types: each ```ts block
// is written to a scratch module (its `from "edgecache"` pointed at pkg/index.d.ts, as
// tests/types/usage.ts imports it) and checked with `deno check`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../../../", import.meta.url);
const readme = readFileSync(new URL("README.md", ROOT), "utf8");
const snippets = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map(([, code]) => code);
const scratch = new URL(".tmp/readme-types/", ROOT);

test("the README's TypeScript snippets type-check", () => {
  assert.ok(snippets.length >= 1, "a TypeScript snippet");
  mkdirSync(scratch, { recursive: true });
  try {
    snippets.forEach((code, i) => {
      const file = new URL(`snippet${i}.ts`, scratch);
      writeFileSync(file, `${code.replaceAll('from "edgecache"', 'from "../../pkg/index.d.ts"')}\nexport {};\n`);
      execFileSync(fileURLToPath(new URL("node_modules/.bin/deno", ROOT)), ["check", fileURLToPath(file)], { cwd: fileURLToPath(ROOT), stdio: "pipe" });
    });
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
});
