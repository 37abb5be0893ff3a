// The README's snippets are runnable: each `<!-- recipe: name -->` code block is written to
// a scratch module inside the checkout (so "edgecache" resolves), run with Node, and must
// print the line its `// prints:` comment promises; `<!-- worker: name -->` blocks run in
// workerd (tests/js/workerd/readme_workers.test.mjs). No other js snippet is allowed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const ROOT = new URL("../../../", import.meta.url);
const readme = readFileSync(new URL("README.md", ROOT), "utf8");
const recipes = [...readme.matchAll(/<!-- recipe: ([\w-]+) -->\n```js\n([\s\S]*?)```/g)].map(([, name, code]) => ({
  name,
  code,
  expected: code.match(/^\/\/ prints: (.*)$/m)?.[1],
}));
const scratch = new URL(".tmp/recipes/", ROOT);

test("every js snippet of the README is a recipe (run here) or a worker (run in workerd)", () => {
  const blocks = [...readme.matchAll(/(<!-- (recipe|worker): [\w-]+ -->\n)?```js\n/g)];
  const untagged = blocks.filter((b) => b[1] === undefined).map((b) => readme.slice(0, b.index).split("\n").length);
  assert.deepEqual(untagged, [], "lines of untagged js snippets");
  assert.ok(recipes.length >= 11, `${recipes.length} recipes`);
  for (const name of ["quick-start", "cache-aside", "write-through", "write-behind", "warming"]) {
    assert.ok(recipes.some((r) => r.name === name), name);
  }
});

for (const { name, code, expected } of recipes) {
  test(`README recipe: ${name}`, () => {
    assert.ok(expected, "the recipe says what it prints");
    mkdirSync(scratch, { recursive: true });
    const file = new URL(`${name}.mjs`, scratch);
    writeFileSync(file, code);
    try {
      const out = execFileSync(process.execPath, [fileURLToPath(file)], { cwd: fileURLToPath(ROOT), timeout: 30_000 });
      assert.equal(String(out).trim(), expected);
    } finally {
      rmSync(file, { force: true });
    }
  });
}
